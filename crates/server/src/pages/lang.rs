//! The pages' two languages. Chinese is the default: a browser that asks for Chinese, or asks
//! for neither language, gets Chinese; one that prefers English gets English. A visitor's own
//! choice (the switch in the header) is kept in the `cc_lang` cookie and wins over the browser.

use axum::http::{header, HeaderMap};

/// The cookie that keeps the visitor's choice.
pub const LANG_COOKIE: &str = "cc_lang";

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Picks the text of this language.
    pub fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The cookie value / query value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The other language (the switch offers it).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Parses `zh` / `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The visitor's choice, else what the browser asks for.
    pub fn of(headers: &HeaderMap) -> Lang {
        let chosen = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v));
        chosen
            .unwrap_or_else(|| from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())))
    }
}

/// The language the `Accept-Language` header prefers among ours (highest `q`; the first listed
/// wins a tie); Chinese when it names neither.
pub fn from_accept_language(header: Option<&str>) -> Lang {
    let Some(header) = header else { return Lang::Zh };
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let lang = if tag == "zh" || tag.starts_with("zh-") {
            Lang::Zh
        } else if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::Zh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_decides_unless_the_visitor_chose() {
        assert_eq!(from_accept_language(None), Lang::Zh);
        assert_eq!(from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(from_accept_language(Some("en;q=0.5,zh-TW;q=0.8")), Lang::Zh);
        assert_eq!(from_accept_language(Some("fr-FR,de")), Lang::Zh);
        assert_eq!(from_accept_language(Some("fr,en;q=0.3")), Lang::En);
        assert_eq!(from_accept_language(Some("en;q=0,zh;q=0")), Lang::Zh);
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "zh-CN".parse().unwrap());
        h.insert(header::COOKIE, "a=b; cc_lang=en".parse().unwrap());
        assert_eq!(Lang::of(&h), Lang::En);
    }
}
