//! The root component: reads the link, picks the mode (the simulation, or live mode with
//! `?source=live`) and remembers the learner's language.

use yew::prelude::*;

use crate::i18n::Lang;
use crate::sim::app::SimApp;
use crate::url;

const LANG_KEY: &str = "minikafka-lang";

pub(crate) fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The starting language: the link's `lang`, else the remembered one, else the browser's.
pub(crate) fn initial_lang(from_url: Option<Lang>) -> Lang {
    if let Some(lang) = from_url {
        return lang;
    }
    let stored = window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .and_then(|v| Lang::parse(&v));
    stored
        .or_else(|| {
            window()
                .and_then(|w| w.navigator().language())
                .and_then(|l| Lang::parse(&l))
        })
        .unwrap_or(Lang::En)
}

/// The app: the simulation, or with `?source=live` a running server.
#[function_component(App)]
pub fn app() -> Html {
    let query = window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let u = url::parse(&query);
    if u.source.as_deref() == Some("live") {
        let location = window().map(|w| w.location());
        let protocol = location
            .as_ref()
            .and_then(|l| l.protocol().ok())
            .unwrap_or_default();
        let host = location
            .as_ref()
            .and_then(|l| l.host().ok())
            .unwrap_or_default();
        let socket = url::live_socket(u.url.as_deref(), &protocol, &host);
        let on_lang = Callback::from(|lang: Lang| remember_lang(lang));
        return html! { <crate::live::app::LiveApp url={socket} lang={initial_lang(u.lang)} group={u.group.clone()} {on_lang} /> };
    }
    html! { <SimApp /> }
}

pub(crate) fn remember_lang(lang: Lang) {
    if let Some(s) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(LANG_KEY, lang.code());
    }
}
