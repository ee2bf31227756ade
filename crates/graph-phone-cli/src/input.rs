//! The input files of `plan`, `apply` and `export`: one row per user, as CSV or JSON.
//!
//! CSV: a header row, then one row per user. The header names the columns, in any order:
//! `user`, `mobile`, `alternateMobile`, `office` (all four required) and `smsSignIn`
//! (optional). An empty phone cell means "no phone of this type" (an existing one is
//! deleted); `smsSignIn` is `enabled`, `disabled` or empty (left as Graph makes it).
//!
//! JSON: an array of objects with the same keys; a phone key is required and `null` means
//! no phone of that type; `smsSignIn` is `"enabled"`, `"disabled"`, `"dontCare"`, `null` or
//! absent.
//!
//! Every phone column is required so that a forgotten column never deletes phones. For
//! `export`, only `user` is read and other columns are ignored.
//!
//! An invalid row is an error naming `file:line:column`, the field and what to do, never
//! the value (it is a phone number or a user principal name).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use clap::ValueEnum;
use graph_phone_client::PhoneNumber;
use graph_phone_client::reconcile::{DesiredPhones, SmsSignIn, UserKey};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The two file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// One user's desired phones, from the row at `line`.
#[derive(Clone, Debug)]
pub struct DesiredRow {
    pub user: UserKey,
    pub desired: DesiredPhones,
    pub line: usize,
}

/// One user of an `export` list.
#[derive(Clone, Debug)]
pub struct UserRow {
    pub user: UserKey,
}

/// Why an input file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("{path}: cannot read the file: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Something at a place in the file.
    #[error("{path}:{line}:{column}: {message}")]
    At {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// The column names, as in Graph's `phoneType` and the JSON keys.
const USER: &str = "user";
const PHONES: [&str; 3] = ["mobile", "alternateMobile", "office"];
const SMS: &str = "smsSignIn";

const NUMBER_HINT: &str = "write it as +{country code} {number}[x{extension}], e.g. +1 4255550199";

/// Reads the desired phones of every user of `path`.
pub fn read_desired(path: &Path) -> Result<Vec<DesiredRow>, InputError> {
    let (name, bytes) = read(path)?;
    let rows = match detect(path, &bytes) {
        Format::Csv => csv_rows(&name, &bytes, true)?,
        Format::Json => json_rows(&name, &bytes, true)?,
    };
    let rows: Vec<DesiredRow> = rows
        .into_iter()
        .map(|r| DesiredRow {
            user: r.user,
            desired: r.desired.expect("read with phones"),
            line: r.line,
        })
        .collect();
    Ok(rows)
}

/// Reads the users of `path` (only their `user` column).
pub fn read_users(path: &Path) -> Result<Vec<UserRow>, InputError> {
    let (name, bytes) = read(path)?;
    let rows = match detect(path, &bytes) {
        Format::Csv => csv_rows(&name, &bytes, false)?,
        Format::Json => json_rows(&name, &bytes, false)?,
    };
    Ok(rows.into_iter().map(|r| UserRow { user: r.user }).collect())
}

fn read(path: &Path) -> Result<(String, Vec<u8>), InputError> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((name, bytes)),
        Err(source) => Err(InputError::Read { path: name, source }),
    }
}

/// By extension (`.csv`, `.json`), else JSON when the first non-blank byte is `[`.
fn detect(path: &Path, bytes: &[u8]) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Format::Csv,
        Some("json") => Format::Json,
        _ => match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Format::Json,
            _ => Format::Csv,
        },
    }
}

struct Row {
    user: UserKey,
    desired: Option<DesiredPhones>,
    line: usize,
}

fn at(path: &str, line: usize, column: usize, message: impl fmt::Display) -> InputError {
    InputError::At {
        path: path.to_owned(),
        line,
        column,
        message: message.to_string(),
    }
}

/// Users are compared as Graph compares user principal names: case-insensitively.
struct Seen(HashMap<String, usize>);

impl Seen {
    fn first(&mut self, user: &UserKey, line: usize) -> Option<usize> {
        let key = user.as_str().to_lowercase();
        match self.0.get(&key) {
            Some(first) => Some(*first),
            None => {
                self.0.insert(key, line);
                None
            }
        }
    }
}

fn duplicate_message(first: usize) -> String {
    format!(
        "field user: the same user as the row at line {first}; give each user one row \
         (user principal names are compared ignoring case)"
    )
}

// ---------------------------------------------------------------- CSV

fn csv_rows(path: &str, bytes: &[u8], phones: bool) -> Result<Vec<Row>, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(at(
            path,
            1,
            1,
            "the file is empty; the first line must name the columns: \
             user,mobile,alternateMobile,office,smsSignIn",
        ));
    }
    let mut columns: HashMap<&str, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}');
        let (line, column) = field_position(bytes, 0, 1, i);
        let known = name == USER || name == SMS || PHONES.contains(&name);
        if phones && !known {
            return Err(at(
                path,
                line,
                column,
                format!(
                    "unknown column '{}'; the columns are user, mobile, alternateMobile, \
                     office and smsSignIn (names as written here, case included)",
                    name.escape_debug()
                ),
            ));
        }
        if known && columns.insert(name, i).is_some() {
            return Err(at(
                path,
                line,
                column,
                format!("column {name} appears twice"),
            ));
        }
    }
    let required: &[&str] = if phones {
        &[USER, PHONES[0], PHONES[1], PHONES[2]]
    } else {
        &[USER]
    };
    for name in required {
        if !columns.contains_key(name) {
            let why = if *name == USER {
                "every row names its user (object id or user principal name)"
            } else {
                "an empty cell means no phone of this type, so a missing column would delete \
                 phones; add the column, with the numbers to keep"
            };
            return Err(at(
                path,
                1,
                1,
                format!("the header has no {name} column: {why}"),
            ));
        }
    }

    let mut rows = Vec::new();
    let mut seen = Seen(HashMap::new());
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let position = record
            .position()
            .expect("records read from a file have one");
        let line = position.line() as usize;
        let start = position.byte() as usize;
        let place = |column_name: &str| field_position(bytes, start, line, columns[column_name]);
        let fail = |column_name: &str, message: String| {
            let (l, c) = place(column_name);
            at(path, l, c, format!("field {column_name}: {message}"))
        };
        let user = parse_user(&record[columns[USER]]).map_err(|m| fail(USER, m))?;
        if let Some(first) = seen.first(&user, line) {
            let (l, c) = place(USER);
            return Err(at(path, l, c, duplicate_message(first)));
        }
        let desired = if phones {
            let mut numbers = [None, None, None];
            for (slot, name) in numbers.iter_mut().zip(PHONES) {
                let cell = &record[columns[name]];
                *slot = if cell.is_empty() {
                    None
                } else {
                    Some(parse_number(cell).map_err(|m| fail(name, m))?)
                };
            }
            let sms = match columns.get(SMS) {
                None => SmsSignIn::DontCare,
                Some(i) => parse_sms(&record[*i], false).map_err(|m| fail(SMS, m))?,
            };
            let [mobile, alternate_mobile, office] = numbers;
            let desired = DesiredPhones {
                mobile,
                alternate_mobile,
                office,
                sms_sign_in: sms,
            };
            check_row(&desired).map_err(|(field, m)| fail(field, m))?;
            Some(desired)
        } else {
            None
        };
        rows.push(Row {
            user,
            desired,
            line,
        });
    }
    Ok(rows)
}

fn csv_error(path: &str, error: &csv::Error) -> InputError {
    let (line, message) = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => (
            pos.as_ref().map_or(0, |p| p.line() as usize),
            format!(
                "this row has {len} fields and the header {expected_len}; every row needs one \
                 field per column (quote a value that contains a comma)"
            ),
        ),
        csv::ErrorKind::Utf8 { pos, .. } => (
            pos.as_ref().map_or(0, |p| p.line() as usize),
            "not UTF-8 text; save the file as UTF-8".to_owned(),
        ),
        // Other kinds carry no value of the file.
        _ => (0, error.to_string()),
    };
    at(path, line.max(1), 1, message)
}

/// The line and column (1-based, in characters) where field `index` of the record starting
/// at byte `start` (on line `line`) begins, following CSV quoting.
fn field_position(bytes: &[u8], start: usize, line: usize, index: usize) -> (usize, usize) {
    let mut line = line;
    let mut line_start = start;
    let mut i = start;
    let mut field = 0;
    let mut quoted = false;
    while field < index && i < bytes.len() {
        match (quoted, bytes[i]) {
            (true, b'"') if bytes.get(i + 1) == Some(&b'"') => i += 1,
            (true, b'"') => quoted = false,
            (true, b'\n') => {
                line += 1;
                line_start = i + 1;
            }
            (false, b'"') => quoted = true,
            (false, b',') => field += 1,
            (false, b'\n') => break,
            _ => {}
        }
        i += 1;
    }
    let text = String::from_utf8_lossy(&bytes[line_start..i]);
    let column = text.trim_start_matches('\u{feff}').chars().count() + 1;
    (line, column)
}

// ---------------------------------------------------------------- cells

fn parse_user(cell: &str) -> Result<UserKey, String> {
    if cell.trim() != cell {
        return Err("has leading or trailing whitespace; remove it".to_owned());
    }
    UserKey::new(cell).map_err(|e| {
        format!("{e}; give the user's object id or user principal name (kim@contoso.com)")
    })
}

fn parse_number(cell: &str) -> Result<PhoneNumber, String> {
    PhoneNumber::parse(cell).map_err(|reason| format!("{reason}; {NUMBER_HINT}"))
}

fn parse_sms(cell: &str, json: bool) -> Result<SmsSignIn, String> {
    match cell {
        "enabled" => Ok(SmsSignIn::Enabled),
        "disabled" => Ok(SmsSignIn::Disabled),
        "" if !json => Ok(SmsSignIn::DontCare),
        "dontCare" if json => Ok(SmsSignIn::DontCare),
        _ if json => Err("expected \"enabled\", \"disabled\", \"dontCare\" or null".to_owned()),
        _ => Err("expected enabled, disabled or an empty cell (left as Graph makes it)".to_owned()),
    }
}

/// What no order of Graph's operations can reach, refused with the row.
fn check_row(desired: &DesiredPhones) -> Result<(), (&'static str, String)> {
    if desired.alternate_mobile.is_some() && desired.mobile.is_none() {
        return Err((
            "alternateMobile",
            "an alternateMobile needs a mobile in the same row (Graph allows no alternateMobile \
             without a mobile); add the mobile, or make this number the mobile"
                .to_owned(),
        ));
    }
    if desired.sms_sign_in == SmsSignIn::Enabled && desired.mobile.is_none() {
        return Err((
            "smsSignIn",
            "SMS sign-in works only on a mobile phone and this row has none; add the mobile, \
             or leave smsSignIn empty"
                .to_owned(),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- JSON

/// A phone key: a number, or `null` for none. Never echoes the value in an error.
struct Phone(Option<PhoneNumber>);

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Quiet(
            |s: Option<&str>| match s {
                None => Ok(Phone(None)),
                Some(s) => parse_number(s).map(|n| Phone(Some(n))),
            },
            "a phone number in quotes (\"+1 4255550199\") or null",
        ))
    }
}

struct User(UserKey);

impl<'de> Deserialize<'de> for User {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Quiet(
            |s: Option<&str>| match s {
                None => Err("is null; give the user's object id or user principal name".to_owned()),
                Some(s) => parse_user(s).map(User),
            },
            "the user's object id or user principal name in quotes",
        ))
    }
}

struct Sms(SmsSignIn);

impl Default for Sms {
    fn default() -> Self {
        Sms(SmsSignIn::DontCare)
    }
}

impl<'de> Deserialize<'de> for Sms {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Quiet(
            |s: Option<&str>| match s {
                None => Ok(Sms(SmsSignIn::DontCare)),
                Some(s) => parse_sms(s, true).map(Sms),
            },
            "\"enabled\", \"disabled\", \"dontCare\" or null",
        ))
    }
}

/// A visitor for a string or null that never puts the value it saw into an error (serde's
/// default messages do: `invalid type: integer 2065550100`).
struct Quiet<F>(F, &'static str);

impl<'de, T, F> Visitor<'de> for Quiet<F>
where
    F: FnOnce(Option<&str>) -> Result<T, String>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.0)(Some(v)).map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        (self.0)(None).map_err(E::custom)
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        (self.0)(None).map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<T, E> {
        Err(E::custom(format!("expected {}, found a boolean", self.1)))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<T, E> {
        Err(E::custom(format!("expected {}, found a number", self.1)))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<T, E> {
        Err(E::custom(format!("expected {}, found a number", self.1)))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<T, E> {
        Err(E::custom(format!("expected {}, found a number", self.1)))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(de::Error::custom(format!(
            "expected {}, found an array",
            self.1
        )))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(de::Error::custom(format!(
            "expected {}, found an object",
            self.1
        )))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct JsonRow {
    user: User,
    mobile: Phone,
    alternate_mobile: Phone,
    office: Phone,
    #[serde(default)]
    sms_sign_in: Sms,
}

#[derive(Deserialize)]
struct JsonUser {
    user: User,
}

fn json_rows(path: &str, bytes: &[u8], phones: bool) -> Result<Vec<Row>, InputError> {
    let json_error = |e: &serde_json::Error, base: (usize, usize), prefix: String| {
        let (line, column) = shift(base, (e.line(), e.column()));
        let text = e.to_string();
        let message = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(m, _)| m);
        at(path, line, column, format!("{prefix}{message}"))
    };
    let items: Vec<&RawValue> = match serde_json::from_slice::<&RawValue>(bytes) {
        Err(e) => return Err(json_error(&e, (1, 1), "not valid JSON: ".to_owned())),
        Ok(top) if !top.get().starts_with('[') => {
            let (line, column) = position_of(bytes, top.get());
            return Err(at(
                path,
                line,
                column,
                "expected a JSON array of objects, one per user",
            ));
        }
        Ok(_) => serde_json::from_slice(bytes)
            .map_err(|e| json_error(&e, (1, 1), "not valid JSON: ".to_owned()))?,
    };
    let mut rows = Vec::with_capacity(items.len());
    let mut seen = Seen(HashMap::new());
    for (index, item) in items.iter().enumerate() {
        let n = index + 1;
        let base = position_of(bytes, item.get());
        if !item.get().starts_with('{') {
            return Err(at(
                path,
                base.0,
                base.1,
                format!("row {n}: expected an object"),
            ));
        }
        let fail_field = |e: serde_path_to_error::Error<serde_json::Error>| {
            let field = e.path().to_string();
            if field == "." {
                return json_error(e.inner(), base, format!("row {n}: "));
            }
            // Point at the start of the field's value (serde_json stops after it).
            let error = json_error(e.inner(), base, format!("row {n}: field {field}: "));
            match (value_start(bytes, item.get(), &field), error) {
                (Some((line, column)), InputError::At { message, .. }) => {
                    at(path, line, column, message)
                }
                (_, error) => error,
            }
        };
        let mut de = serde_json::Deserializer::from_str(item.get());
        let (user, desired) = if phones {
            let row: JsonRow = serde_path_to_error::deserialize(&mut de).map_err(fail_field)?;
            let desired = DesiredPhones {
                mobile: row.mobile.0,
                alternate_mobile: row.alternate_mobile.0,
                office: row.office.0,
                sms_sign_in: row.sms_sign_in.0,
            };
            check_row(&desired).map_err(|(field, m)| {
                let (line, column) = value_start(bytes, item.get(), field).unwrap_or(base);
                at(path, line, column, format!("row {n}: field {field}: {m}"))
            })?;
            (row.user.0, Some(desired))
        } else {
            let row: JsonUser = serde_path_to_error::deserialize(&mut de).map_err(fail_field)?;
            (row.user.0, None)
        };
        if let Some(first) = seen.first(&user, base.0) {
            return Err(at(
                path,
                base.0,
                base.1,
                format!("row {n}: {}", duplicate_message(first)),
            ));
        }
        rows.push(Row {
            user,
            desired,
            line: base.0,
        });
    }
    Ok(rows)
}

/// The line and column (1-based, characters) at which `inner`, a slice of `bytes`, starts.
fn position_of(bytes: &[u8], inner: &str) -> (usize, usize) {
    let offset = (inner.as_ptr() as usize).saturating_sub(bytes.as_ptr() as usize);
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Where the value of the top-level key `field` of the object `item` (a slice of `bytes`)
/// starts, if the key is written plainly (no escapes).
fn value_start(bytes: &[u8], item: &str, field: &str) -> Option<(usize, usize)> {
    let key = format!("\"{field}\"");
    let mut from = 0;
    // A key is followed by `:`; the same text as a string value is not.
    while let Some(found) = item[from..].find(&key) {
        let after = from + found + key.len();
        let rest = &item[after..];
        let trimmed = rest.trim_start();
        if let Some(value) = trimmed.strip_prefix(':') {
            let value = value.trim_start();
            let offset = item.len() - value.len();
            return Some(position_of(bytes, &item[offset..]));
        }
        from = after;
    }
    None
}

/// A position relative to `base` (both 1-based) made absolute.
fn shift(base: (usize, usize), relative: (usize, usize)) -> (usize, usize) {
    match relative {
        (0, _) => base,
        (1, c) => (base.0, base.1 + c.saturating_sub(1)),
        (l, c) => (base.0 + l - 1, c),
    }
}

// ---------------------------------------------------------------- writing (export)

/// One row of the input format, for `export`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutRow {
    pub user: String,
    pub mobile: Option<String>,
    pub alternate_mobile: Option<String>,
    pub office: Option<String>,
    pub sms_sign_in: Option<&'static str>,
}

/// Writes `rows` as CSV (with the header of the input format).
pub fn write_csv(rows: &[OutRow], out: impl std::io::Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([USER, PHONES[0], PHONES[1], PHONES[2], SMS])?;
    for r in rows {
        let cell = |v: &Option<String>| v.clone().unwrap_or_default();
        writer.write_record([
            r.user.clone(),
            cell(&r.mobile),
            cell(&r.alternate_mobile),
            cell(&r.office),
            r.sms_sign_in.unwrap_or("").to_owned(),
        ])?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(name: &str, text: &str) -> Result<Vec<DesiredRow>, String> {
        let dir = std::env::temp_dir().join(format!(
            "graph-phone-input-{}-{}",
            std::process::id(),
            fastrand_name()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let result = read_desired(&path)
            .map_err(|e| e.to_string().replace(&format!("{}", dir.display()), "DIR"));
        std::fs::remove_dir_all(&dir).unwrap();
        result
    }

    fn fastrand_name() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }

    const HEADER: &str = "user,mobile,alternateMobile,office,smsSignIn\n";

    #[test]
    fn csv_rows_read() {
        let rows = desired(
            "a.csv",
            &format!("{HEADER}kim@contoso.com,+1 2065550100,,,enabled\n\"lee@contoso.com\",,,\"+44 2079460000x12\",\n"),
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].desired.sms_sign_in, SmsSignIn::Enabled);
        assert!(rows[1].desired.mobile.is_none());
        assert_eq!(
            rows[1].desired.office.as_ref().unwrap().as_str(),
            "+44 2079460000x12"
        );
    }

    #[test]
    fn a_bad_csv_number_is_named_by_place_and_field_not_value() {
        let err = desired(
            "a.csv",
            &format!("{HEADER}kim@contoso.com,+1 2065550100,,,\n\"lee@contoso.com\",\"+1 20655\",+1 2065550177x,,\n"),
        )
        .unwrap_err();
        // Line 3, the alternateMobile cell starts after `"lee@contoso.com","+1 20655",`.
        assert!(
            err.starts_with("DIR/a.csv:3:30: field alternateMobile: extension is empty"),
            "{err}"
        );
        assert!(!err.contains("2065550177"), "{err}");
    }

    #[test]
    fn quoted_newlines_move_the_line() {
        let err = desired(
            "a.csv",
            &format!("{HEADER}\"kim\n@contoso.com\",+1 2065550100,,,sometimes\n"),
        )
        .unwrap_err();
        assert!(
            err.starts_with("DIR/a.csv:3:31: field smsSignIn: expected enabled"),
            "{err}"
        );
        assert!(!err.contains("sometimes"));
    }

    #[test]
    fn a_missing_phone_column_is_refused() {
        let err = desired("a.csv", "user,mobile,office\nkim@contoso.com,,\n").unwrap_err();
        assert!(
            err.starts_with("DIR/a.csv:1:1: the header has no alternateMobile column"),
            "{err}"
        );
        let err = desired("a.csv", "user,mobile,alternateMobile,office,fax\n").unwrap_err();
        assert!(
            err.starts_with("DIR/a.csv:1:36: unknown column 'fax'"),
            "{err}"
        );
    }

    #[test]
    fn row_rules_and_duplicates() {
        let err = desired(
            "a.csv",
            &format!("{HEADER}kim@contoso.com,,+1 2065550100,,\n"),
        )
        .unwrap_err();
        assert!(
            err.starts_with(
                "DIR/a.csv:2:18: field alternateMobile: an alternateMobile needs a mobile"
            ),
            "{err}"
        );
        let err = desired(
            "a.csv",
            &format!("{HEADER}kim@contoso.com,,,,\nKIM@contoso.com,,,,\n"),
        )
        .unwrap_err();
        assert!(
            err.starts_with("DIR/a.csv:3:1: field user: the same user as the row at line 2"),
            "{err}"
        );
        assert!(!err.contains("kim@"));
        let err = desired("a.csv", &format!("{HEADER}kim@contoso.com,,,\n")).unwrap_err();
        assert!(
            err.starts_with("DIR/a.csv:2:1: this row has 4 fields and the header 5"),
            "{err}"
        );
    }

    #[test]
    fn json_rows_read_and_errors_point_into_the_file() {
        let rows = desired(
            "a.json",
            r#"[
  {"user": "kim@contoso.com", "mobile": "+1 2065550100", "alternateMobile": null, "office": null, "smsSignIn": "enabled"},
  {"user": "lee@contoso.com", "mobile": null, "alternateMobile": null, "office": null}
]"#,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
        assert_eq!(rows[1].desired.sms_sign_in, SmsSignIn::DontCare);

        let err = desired(
            "a.json",
            "[\n  {\"user\": \"kim@contoso.com\", \"mobile\": 13605550142, \"alternateMobile\": null, \"office\": null}\n]",
        )
        .unwrap_err();
        assert!(
            err.starts_with("DIR/a.json:2:41: row 1: field mobile: expected a phone number"),
            "{err}"
        );
        assert!(!err.contains("3605550142"), "{err}");

        let err = desired(
            "a.json",
            "[{\"user\": \"kim@contoso.com\", \"mobile\": null, \"office\": null}]",
        )
        .unwrap_err();
        assert!(
            err.contains("row 1: missing field `alternateMobile`"),
            "{err}"
        );

        // A row-level rule points at the field's value; a key-like string value is skipped.
        let err = desired(
            "a.json",
            "[{\"user\": \"mobile\", \"mobile\": null,\n  \"alternateMobile\": \"+1 2065550100\", \"office\": null}]",
        )
        .unwrap_err();
        assert!(
            err.starts_with(
                "DIR/a.json:2:22: row 1: field alternateMobile: an alternateMobile needs"
            ),
            "{err}"
        );

        let err = desired("a.json", "[\"+1 2065550100\"]").unwrap_err();
        assert!(
            err.starts_with("DIR/a.json:1:2: row 1: expected an object"),
            "{err}"
        );
        assert!(!err.contains("2065550100"));

        let err = desired("a.json", "[{\"user\": \"kim@contoso.com\",]").unwrap_err();
        assert!(err.starts_with("DIR/a.json:1:"), "{err}");
        assert!(err.contains("not valid JSON"), "{err}");
    }
}
