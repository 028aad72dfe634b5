//! The panels below the stage, each one foldable: the stage and the narration carry the
//! lesson, and a teacher folds away what the class does not need. A folded panel's
//! contents are not built at all, which also saves frames in a crowded world.

use yew::prelude::*;

pub mod cards;

use crate::i18n::{t, Key, Lang};

/// A panel below the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Panel {
    /// Everything the narration said so far.
    Narration,
    /// One card per partition, with its seek buttons.
    Partitions,
    /// One card per consumer, with its buttons and settings.
    Members,
    /// The "try it" buttons.
    Controls,
    /// The lag chart.
    Lag,
    /// The event log.
    Events,
}

/// The panels folded away: a set of six, kept as bits (a `BTreeSet` would add a whole
/// B-tree's code to the wasm module for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Folded(u8);

impl Folded {
    /// Is `panel` folded?
    pub fn contains(&self, panel: &Panel) -> bool {
        self.0 & (1 << *panel as u8) != 0
    }

    /// Fold it if open, open it if folded.
    pub fn toggle(&mut self, panel: Panel) {
        self.0 ^= 1 << panel as u8;
    }

    /// Is every panel open?
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
}

impl Panel {
    /// Its name in `data-testid`s (`panel-events`, `fold-events`).
    pub fn id(self) -> &'static str {
        match self {
            Panel::Narration => "narration",
            Panel::Partitions => "partitions",
            Panel::Members => "members",
            Panel::Controls => "controls",
            Panel::Lag => "lag",
            Panel::Events => "events",
        }
    }

    /// Its heading.
    pub fn key(self) -> Key {
        match self {
            Panel::Narration => Key::Narration,
            Panel::Partitions => Key::Partitions,
            Panel::Members => Key::Members,
            Panel::Controls => Key::Controls,
            Panel::Lag => Key::Lag,
            Panel::Events => Key::Events,
        }
    }
}

/// A panel's frame.
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// Which panel.
    pub panel: Panel,
    /// Page language.
    pub lang: Lang,
    /// Unfolded?
    pub open: bool,
    /// Fold or unfold it.
    pub on_toggle: Callback<Panel>,
    /// Said after the heading (`· Generation 2`).
    #[prop_or_default]
    pub extra: AttrValue,
    /// The contents (build them only when `open`).
    #[prop_or_default]
    pub children: Html,
}

/// A panel with a heading that folds it.
#[function_component(PanelBox)]
pub fn panel_box(props: &PanelProps) -> Html {
    let PanelProps {
        panel, lang, open, ..
    } = *props;
    let onclick = {
        let on_toggle = props.on_toggle.clone();
        Callback::from(move |_: MouseEvent| on_toggle.emit(panel))
    };
    html! {
        <section class={classes!("panel", panel.id(), (!open).then_some("folded"))} data-testid={format!("panel-{}", panel.id())}>
            <h3>
                <button class="fold" data-testid={format!("fold-{}", panel.id())} aria-expanded={open.to_string()} {onclick}>
                    <span class="arrow" aria-hidden="true">{ if open { "▾" } else { "▸" } }</span>
                    { t(lang, panel.key()) }{ props.extra.as_str() }
                </button>
            </h3>
            if open { { props.children.clone() } }
        </section>
    }
}
