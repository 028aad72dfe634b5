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
    fn round_trips_and_ignores_garbage() {
        let s = UrlState {
            scenario: Some("S6".into()),
            seed: Some(7),
            lang: Some(Lang::Zh),
            run: Some("mk1.abc-_".into()),
            t: Some(42_000),
        };
        assert_eq!(parse(&build(&s)), s);
        let odd = parse("?seed=x&t=-5&lang=fr&what=ever&scenario=");
        assert_eq!(odd, UrlState::default());
        assert_eq!(parse("scenario=S1&lang=zh").lang, Some(Lang::Zh));
    }
}
