//! The page's URL: scenario, seed, language, run string and moment, so a copied link
//! reopens the exact same moment.

use crate::i18n::Lang;

/// What a URL holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrlState {
    /// `scenario=S1`.
    pub scenario: Option<String>,
    /// `seed=7`.
    pub seed: Option<u64>,
    /// `lang=zh`.
    pub lang: Option<Lang>,
    /// `run=mk1....`.
    pub run: Option<String>,
    /// `t=42000` (simulated ms).
    pub t: Option<i64>,
    /// `source=live`: draw a running server instead of the simulation.
    pub source: Option<String>,
    /// `url=ws://host:8080/live`: the live server, when not the one that served the page.
    pub url: Option<String>,
    /// `group=demo-group`: in live mode, the group to follow (a teacher's bookmark).
    pub group: Option<String>,
}

/// `%3A` -> `:` and `+` -> space, for a URL typed into a query parameter. Malformed escapes
/// are kept as they are.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Escape a value for a query string: everything but letters, digits and `-._~`.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The WebSocket address of a live server: `ws(s)://host/live` from the page's own origin,
/// or from an address typed by hand (`host:port`, `http://host:port`, `ws://host:port/live`).
pub fn live_socket(typed: Option<&str>, page_protocol: &str, page_host: &str) -> String {
    let secure = page_protocol == "https:";
    let Some(typed) = typed.map(str::trim).filter(|t| !t.is_empty()) else {
        return format!("{}://{page_host}/live", if secure { "wss" } else { "ws" });
    };
    let (scheme, rest) = match typed.split_once("://") {
        Some(("https" | "wss", rest)) => ("wss", rest),
        Some((_, rest)) => ("ws", rest),
        None => (if secure { "wss" } else { "ws" }, typed),
    };
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}/live")
}

/// Read a query string (`?a=b&c=d`, with or without the `?`). Unknown keys and
/// malformed values are ignored.
pub fn parse(query: &str) -> UrlState {
    let mut out = UrlState::default();
    for pair in query.trim_start_matches('?').split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "scenario" if !value.is_empty() => out.scenario = Some(value.to_string()),
            "seed" => out.seed = value.parse().ok(),
            "lang" => out.lang = Lang::parse(value),
            // base64url needs no escaping; the `mk1.` prefix has none either.
            "run" if !value.is_empty() => out.run = Some(value.to_string()),
            "t" => out.t = value.parse().ok().filter(|t: &i64| *t >= 0),
            "source" if !value.is_empty() => out.source = Some(value.to_string()),
            "url" if !value.is_empty() => out.url = Some(percent_decode(value)),
            "group" if !value.is_empty() => out.group = Some(percent_decode(value)),
            _ => {}
        }
    }
    out
}

/// Write a query string.
pub fn build(state: &UrlState) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &state.scenario {
        parts.push(format!("scenario={s}"));
    }
    if let Some(seed) = state.seed {
        parts.push(format!("seed={seed}"));
    }
    if let Some(lang) = state.lang {
        parts.push(format!("lang={}", lang.code()));
    }
    if let Some(t) = state.t {
        parts.push(format!("t={t}"));
    }
    if let Some(run) = &state.run {
        parts.push(format!("run={run}"));
    }
    format!("?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_link_names_the_group_to_follow() {
        let group = "class 3/b";
        let u = parse(&format!(
            "?source=live&group={}&lang=en",
            percent_encode(group)
        ));
        assert_eq!(u.group.as_deref(), Some(group));
        assert_eq!(u.source.as_deref(), Some("live"));
        assert_eq!(parse("?group=").group, None);
    }

    #[test]
    fn round_trips_and_ignores_garbage() {
        let s = UrlState {
            scenario: Some("S6".into()),
            seed: Some(7),
            lang: Some(Lang::Zh),
            run: Some("mk1.abc-_".into()),
            t: Some(42_000),
            source: None,
            url: None,
            group: None,
        };
        assert_eq!(parse(&build(&s)), s);
        let odd = parse("?seed=x&t=-5&lang=fr&what=ever&scenario=");
        assert_eq!(odd, UrlState::default());
        assert_eq!(parse("scenario=S1&lang=zh").lang, Some(Lang::Zh));
    }

    #[test]
    fn live_links_and_typed_server_addresses() {
        let u = parse("?source=live&url=ws%3A%2F%2F10.0.0.5%3A8080%2Flive&lang=zh");
        assert_eq!(u.source.as_deref(), Some("live"));
        assert_eq!(u.url.as_deref(), Some("ws://10.0.0.5:8080/live"));
        assert_eq!(parse("?url=%zz%4").url.as_deref(), Some("%zz%4"));
        assert_eq!(parse("?url=%e4%b8%ad%").url.as_deref(), Some("中%"));
        assert_eq!(
            live_socket(None, "http:", "127.0.0.1:8080"),
            "ws://127.0.0.1:8080/live"
        );
        assert_eq!(
            live_socket(Some(" "), "https:", "example.org"),
            "wss://example.org/live"
        );
        assert_eq!(
            live_socket(Some("10.0.0.5:8080"), "http:", "x"),
            "ws://10.0.0.5:8080/live"
        );
        assert_eq!(
            live_socket(Some("http://h:1/"), "http:", "x"),
            "ws://h:1/live"
        );
        assert_eq!(
            live_socket(Some("wss://h:1/live"), "http:", "x"),
            "wss://h:1/live"
        );
    }
}
