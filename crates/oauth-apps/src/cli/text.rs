//! How answers read as text: tables, `label value` lines, secrets shown once, and
//! problems field by field.

use std::fmt::Write as _;

use oauth_apps_http::apps_api::dto::ProblemDetails;
use serde::Serialize;

/// `text` cut to `width` characters.
pub(super) fn cell(text: &str, width: usize) -> String {
    let mut s: String = text.chars().take(width).collect();
    if text.chars().count() > width {
        s.pop();
        s.push('…');
    }
    s
}

/// A table of `rows` under `headers`, each column as wide as its widest cell.
pub(super) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            l.push_str(c);
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(pad + 2));
            }
        }
        l.push('\n');
        l
    };
    let mut t = line(headers.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        t.push_str(&line(row.clone()));
    }
    t
}

/// One `label value` line, the labels of a text in one column.
pub(super) fn labelled(label: &str, value: &str) -> String {
    format!("{label:<22} {value}\n")
}

/// A value an answer may not have: `-` when it has none.
pub(super) fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

/// A value of a closed set (a type, a grant type, an event type) as the API spells it:
/// its name on the wire.
pub(super) fn spelled(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .and_then(|quoted| serde_json::from_str::<String>(&quoted))
        .unwrap_or_default()
}

/// Values of a closed set, as the API spells them, comma-separated.
pub(super) fn spelled_all<T: Serialize>(values: &[T]) -> String {
    values.iter().map(spelled).collect::<Vec<_>>().join(", ")
}

/// A secret shown this once, under the text of what it belongs to.
pub(super) fn shown_once(label: &str, secret: &str) -> String {
    format!(
        "\n{}Store it now: it is shown this once and cannot be read again.\n",
        labelled(label, secret)
    )
}

/// A refusal as lines: the status and the problem's detail, then each field and the rule
/// it broke. An answer that is not a problem document (a proxy's page, say) gives the
/// status alone.
pub(super) fn problem(status: u16, body: &[u8]) -> String {
    let Ok(problem) = serde_json::from_slice::<ProblemDetails>(body) else {
        return format!("error: {status} the server refused the request\n");
    };
    let mut s = format!("error: {status} {}\n", problem.detail);
    for e in problem.errors.unwrap_or_default() {
        let _ = writeln!(s, "  {}: {}", e.field, e.message);
    }
    s
}
