//! Input parsed into domain types at the edge, so that handlers and
//! queries never see raw strings.

mod email;
mod user_name;

pub use email::EmailAddress;
pub use user_name::UserName;
