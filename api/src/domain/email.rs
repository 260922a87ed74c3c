use std::fmt;

/// An email address in the narrow form that every mail system reads the
/// same way: an ASCII dot-atom local part, `@`, and a dotted domain name.
///
/// RFC 5322 also allows quoted local parts, comments, lists and Unicode,
/// but mail software disagrees about those, and an address that a
/// validator reads as one mailbox can reach another (or several) once a
/// mailer parses it. They are rejected rather than normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

/// The maximum length of an address that fits in an SMTP forward path (RFC 5321).
const MAX_LENGTH: usize = 254;

impl EmailAddress {
    /// Parses an address after trimming surrounding whitespace; the
    /// message of the error completes a sentence that starts with the field.
    pub fn parse(input: &str) -> Result<EmailAddress, &'static str> {
        let address = input.trim();

        if address.is_empty() {
            return Err("must not be empty");
        }
        if address.len() > MAX_LENGTH {
            return Err("must be at most 254 characters");
        }
        if !address.is_ascii() {
            return Err("must contain only ASCII characters");
        }

        let Some((local, domain)) = address.split_once('@') else {
            return Err("must be an email address such as ada@example.com");
        };
        if !is_dot_atom(local) || local.len() > 64 {
            return Err("has an invalid local part before the @");
        }
        if !is_domain_name(domain) {
            return Err("has an invalid domain after the @");
        }

        // The library applies the remaining RFC 5321/5322 rules.
        if !email_address::EmailAddress::is_valid(address) {
            return Err("must be an email address such as ada@example.com");
        }

        Ok(EmailAddress(address.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the form used to compare addresses. Emails are
    /// case-insensitive in this product, although RFC 5321 lets a server
    /// treat the local part as case-sensitive.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// Returns the part before the `@`, used as a name when none was given.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or(&self.0, |(local, _)| local)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks the RFC 5322 dot-atom form: atoms of `atext` joined by single dots.
fn is_dot_atom(text: &str) -> bool {
    let is_atext =
        |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte);

    !text.is_empty()
        && text
            .split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

/// Checks for a host name of at least two labels made of letters, digits
/// and inner hyphens.
fn is_domain_name(text: &str) -> bool {
    let is_label = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };

    text.len() <= 253 && text.contains('.') && text.split('.').all(is_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for address in [
            "ada@example.com",
            "Ada.Lovelace+dashboard@mail.example.co.uk",
            "o'brien@example.ie",
            "x@a-b.example",
        ] {
            assert!(EmailAddress::parse(address).is_ok(), "{address}");
        }
    }

    #[test]
    fn trims_surrounding_whitespace() {
        let email = EmailAddress::parse("  Ada@Example.com \n").unwrap();
        assert_eq!(email.as_str(), "Ada@Example.com");
        assert_eq!(email.key(), "ada@example.com");
    }

    #[test]
    fn rejects_addresses_that_mailers_read_differently() {
        for address in [
            "a@example.com,b@example.com",
            "a@example.com;b@example.com",
            "a@example.com\r\nBcc: b@example.com",
            "\"a@b\"@example.com",
            "\"ada\"@example.com",
            "ada\u{ff20}example.com",
            "ada@example.com (comment)",
            "Ada <ada@example.com>",
            "ada@@example.com",
            "ada@example..com",
            "ada.@example.com",
            "ada@localhost",
            "ada@[127.0.0.1]",
            "ada@-example.com",
            "",
            "   ",
            "ada",
        ] {
            assert!(EmailAddress::parse(address).is_err(), "{address:?}");
        }
    }

    #[test]
    fn rejects_overlong_addresses() {
        let address = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&address).is_err());

        let local = format!("{}@example.com", "a".repeat(65));
        assert!(EmailAddress::parse(&local).is_err());
    }

    #[test]
    fn local_part_precedes_at_sign() {
        let email = EmailAddress::parse("grace.hopper@example.com").unwrap();
        assert_eq!(email.local_part(), "grace.hopper");
    }
}
