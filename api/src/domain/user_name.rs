/// A user's display name: trimmed, 1 to 255 characters, no control
/// characters (they would break log lines and emails).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

const MAX_CHARACTERS: usize = 255;

impl UserName {
    pub fn parse(input: &str) -> Result<UserName, &'static str> {
        let name = input.trim();

        if name.is_empty() {
            return Err("must not be empty");
        }
        if name.chars().count() > MAX_CHARACTERS {
            return Err("must be at most 255 characters");
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }

        Ok(UserName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_inner_spaces() {
        assert_eq!(
            UserName::parse("  Ada  Lovelace ").unwrap().as_str(),
            "Ada  Lovelace"
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(UserName::parse(&"é".repeat(255)).is_ok());
        assert!(UserName::parse(&"é".repeat(256)).is_err());
    }

    #[test]
    fn rejects_empty_and_control_characters() {
        assert!(UserName::parse("").is_err());
        assert!(UserName::parse(" \t ").is_err());
        assert!(UserName::parse("Ada\nBcc: x").is_err());
    }
}
