//! What is printed: phone numbers and user principal names masked unless `--show-numbers`,
//! text or `--json`.

use graph_phone_client::PhoneNumber;
use graph_phone_client::reconcile::{UserKey, mask};

/// How to print.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    pub show_numbers: bool,
    pub json: bool,
}

impl Output {
    pub fn new(show_numbers: bool, json: bool) -> Self {
        Self { show_numbers, json }
    }

    /// A phone number as printed: whole with `--show-numbers`, else every digit but the last
    /// two of the subscriber number masked (`+1 ********00`). A number Graph sent that is not
    /// in its own format (or that Graph masked) keeps its last two digits only.
    pub fn number(&self, number: &str) -> String {
        if self.show_numbers {
            return number.to_owned();
        }
        match PhoneNumber::parse(number) {
            Ok(n) => {
                let country = n.as_str().split_once(' ').map_or("", |(c, _)| c);
                format!("{country} {}", mask(&n))
            }
            Err(_) => mask_digits(number),
        }
    }

    /// A user as printed: an object id whole, a user principal name with its local part
    /// masked (`k***@contoso.com`) unless `--show-numbers`.
    pub fn user(&self, user: &str) -> String {
        if self.show_numbers {
            return user.to_owned();
        }
        match UserKey::new(user) {
            Ok(key) => key.to_string(),
            Err(_) => "***".to_owned(),
        }
    }

    /// Prints a JSON value on stdout.
    pub fn json_value(&self, value: &serde_json::Value) {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("a JSON value serializes")
        );
    }
}

/// Six `*` and the last two digits; nothing else of the text.
fn mask_digits(text: &str) -> String {
    let digits: Vec<char> = text.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
    format!("******{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_the_country_code_and_two_digits() {
        let out = Output::new(false, false);
        assert_eq!(out.number("+1 2065550100"), "+1 ********00");
        assert_eq!(out.number("+44 2079460000x123"), "+44 ********00");
        // Not Graph's format (Graph masks numbers for some callers): digits only, two kept.
        assert_eq!(out.number("+1 XXXXXXXX34"), "******34");
        assert_eq!(out.number(""), "******");
        let full = Output::new(true, false);
        assert_eq!(full.number("+1 2065550100"), "+1 2065550100");
    }

    #[test]
    fn user_principal_names_are_masked_object_ids_kept() {
        let out = Output::new(false, false);
        assert_eq!(out.user("kim@contoso.com"), "k***@contoso.com");
        assert_eq!(
            out.user("11111111-1111-1111-1111-111111111111"),
            "11111111-1111-1111-1111-111111111111"
        );
        assert_eq!(
            Output::new(true, false).user("kim@contoso.com"),
            "kim@contoso.com"
        );
    }
}
