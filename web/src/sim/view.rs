//! The page, drawn from the view model. Pure rendering: no state lives here.

use minikafka::sim::scenarios;
use minikafka::sim::WorldEventKind;
use minikafka::sim::{CommitMode, Semantics};
use minikafka::Event;
use yew::prelude::*;

use crate::i18n::{t, Key, Lang};
use crate::panels::cards::{generation, partition_list, rebalance_banner_at, secs};
use crate::sim::controls::{MemberButton, Setting, Try};
use crate::sim::model::{MemberView, ViewModel};
use crate::sim::state::AppState;

/// The learner's controls for the whole world.
pub fn world_controls(lang: Lang, on: Callback<Try>) -> Html {
    let button = |what: Try| {
        let on = on.clone();
        html! {
            <button data-testid={what.id()} onclick={Callback::from(move |_| on.emit(what))}>{ t(lang, what.key()) }</button>
        }
    };
    html! {
        <div class="member-actions">
            { for Try::ALL.into_iter().map(button) }
        </div>
    }
}

/// A select whose change emits (member, field, value).
fn setting(
    member: &str,
    label: &str,
    field: Setting,
    current: String,
    options: &[(String, String)],
    on_configure: &Callback<(String, Setting, String)>,
) -> Html {
    let name = member.to_string();
    let cb = on_configure.clone();
    let onchange = Callback::from(move |e: yew::Event| {
        use wasm_bindgen::JsCast;
        if let Some(select) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        {
            cb.emit((name.clone(), field, select.value()));
        }
    });
    let mut options = options.to_vec();
    if !options.iter().any(|(v, _)| *v == current) {
        options.push((current.clone(), current.clone()));
    }
    html! {
        <label class="setting">{ label }
            <select data-testid={format!("setting-{}-{}", field.id(), member)} {onchange}>
                { for options.iter().map(|(v, text)| html! { <option value={v.clone()} selected={*v == current}>{ text }</option> }) }
            </select>
        </label>
    }
}

fn durations(values: &[i64]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| {
            (
                v.to_string(),
                if *v >= 1000 {
                    format!("{} s", v / 1000)
                } else {
                    format!("{v} ms")
                },
            )
        })
        .collect()
}

/// "Auto-commit · At-least-once · 10 ms/record", in the page's language.
pub(crate) fn mode_line(m: &MemberView, lang: Lang) -> String {
    let mode = match m.commit_mode {
        CommitMode::Auto => Key::ModeAuto,
        CommitMode::PerRecord => Key::ModeRecord,
        CommitMode::PerBatch => Key::ModeBatch,
        CommitMode::PerBatchAsync => Key::ModeAsync,
    };
    let semantics = match m.semantics {
        Semantics::AtLeastOnce => Key::AtLeastOnce,
        Semantics::AtMostOnce => Key::ModeAtMostOnce,
    };
    format!(
        "{} · {} · {} {}",
        t(lang, mode),
        t(lang, semantics),
        m.processing_ms,
        t(lang, Key::MsPerRecord)
    )
}

/// The settings row of a member card, as a component: its props change only when a
/// setting does, so a crowded world's 32 cards do not rebuild their selects every frame
/// (they were a tenth of its frame time).
#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    /// The member's name.
    pub name: AttrValue,
    /// Its settings.
    pub settings: crate::sim::model::MemberSettings,
    /// Page language.
    pub lang: Lang,
    /// (member, setting, new value); must be a stable callback (`use_callback`).
    pub on_configure: Callback<(String, Setting, String)>,
}

/// The settings row of a member card.
#[function_component(MemberSettingsRow)]
pub fn member_settings(p: &SettingsProps) -> Html {
    let (s, lang, name, on_configure) = (&p.settings, p.lang, p.name.as_str(), &p.on_configure);
    let assignors: Vec<(String, String)> = ["range", "roundrobin", "sticky", "cooperative-sticky"]
        .iter()
        .map(|a| (a.to_string(), a.to_string()))
        .collect();
    let on_off = vec![
        ("off".to_string(), "off".to_string()),
        ("on".to_string(), "on".to_string()),
    ];
    html! {
        <details class="settings">
            <summary>{ t(lang, Key::Settings) }</summary>
            { setting(name, t(lang, Key::Assignor), Setting::Assignor, s.assignor.clone(), &assignors, on_configure) }
            { setting(name, t(lang, Key::Static), Setting::Static, if s.static_member { "on".into() } else { "off".into() }, &on_off, on_configure) }
            { setting(name, "session.timeout.ms", Setting::Session, s.session_ms.to_string(), &durations(&[6_000, 10_000, 30_000, 45_000]), on_configure) }
            { setting(name, "heartbeat.interval.ms", Setting::Heartbeat, s.heartbeat_ms.to_string(), &durations(&[1_000, 3_000, 10_000]), on_configure) }
            { setting(name, "max.poll.interval.ms", Setting::MaxPoll, s.max_poll_ms.to_string(), &durations(&[10_000, 60_000, 300_000]), on_configure) }
            { setting(name, t(lang, Key::ProcessingTime), Setting::Processing, s.processing_ms.to_string(), &durations(&[0, 10, 100, 1_000, 20_000]), on_configure) }
            <p class="muted">{ t(lang, Key::SettingsHint) }</p>
        </details>
    }
}

/// A member card.
pub fn member(
    m: &MemberView,
    lang: Lang,
    on_action: Callback<(String, MemberButton)>,
    on_configure: &Callback<(String, Setting, String)>,
) -> Html {
    let id = format!("member-{}", m.name);
    let parts = partition_list(&m.partitions);
    let button = |action: MemberButton| {
        let name = m.name.clone();
        let cb = on_action.clone();
        // A commit-mode button shows whether it is the member's mode now.
        let pressed = action.selected(m.commit_mode, m.semantics);
        html! {
            <button class={classes!("small", (pressed == Some(true)).then_some("on"))} data-testid={format!("{}-{}", action.id(), m.name)}
                aria-pressed={pressed.map(|p| if p { "true" } else { "false" })}
                onclick={Callback::from(move |_| cb.emit((name.clone(), action)))}>{ t(lang, action.key()) }</button>
        }
    };
    let alive = !m.state.gone();
    html! {
        <div class={classes!("member", m.state.word(), m.heartbeat_pulse.then_some("pulse"))} data-testid={id} data-state={m.state.word()}>
            <div class="member-head">
                <strong>{ &m.name }</strong>
                if m.leader { <span class="badge">{"leader"}</span> }
                <span class="state">{ t(lang, m.state.key()) }</span>
            </div>
            <div class="member-body">
                <span>{ parts }</span>
                <span class="muted">{ format!("{} {} · {} {}", t(lang, Key::Generation), generation(m.generation, lang), m.processed, t(lang, Key::Processed)) }</span>
            </div>
            <div class="member-actions">
                if alive {
                    { for MemberButton::ALIVE.into_iter().map(button) }
                } else {
                    { button(MemberButton::Restart) }
                }
            </div>
            <div class="muted">{ mode_line(m, lang) }</div>
            <MemberSettingsRow name={m.name.clone()} settings={m.settings.clone()} {lang} on_configure={on_configure.clone()} />
            if let Some(left) = m.session_left_ms {
                <div class={classes!("session", (left < 5_000).then_some("urgent"))} data-testid={format!("session-{}", m.name)}>
                    { format!("{} {}{}", t(lang, Key::Session), secs(left), t(lang, Key::SessionSuffix)) }
                </div>
            }
        </div>
    }
}

/// The narration so far, newest first.
pub fn narration(state: &AppState, lang: Lang) -> Html {
    let now = state.now();
    let lines = state
        .scenario
        .narration
        .iter()
        .filter(|n| n.at <= now)
        .rev()
        .map(|n| {
            let text = if lang == Lang::Zh { &n.zh } else { &n.en };
            html! { <p><span class="at">{ secs(n.at) }</span>{" "}{ text }</p> }
        });
    html! {
        <div data-testid="narration">{ for lines }</div>
    }
}

/// The narration line under the stage: the latest thing that happened, and the lesson's
/// question when it asks one (the options are buttons; answering plays on).
pub fn narration_line(state: &AppState, lang: Lang, on_answer: Callback<usize>) -> Html {
    let now = state.now();
    let current = state.scenario.narration.iter().rfind(|n| n.at <= now);
    let text = current.map(|n| {
        if lang == Lang::Zh {
            n.zh.as_str()
        } else {
            n.en.as_str()
        }
    });
    let pick = |pair: &(&'static str, &'static str)| if lang == Lang::Zh { pair.1 } else { pair.0 };
    let questions = state.questions();
    let question = state.asking.and_then(|i| questions.get(i));
    let answered = state
        .recent_answer()
        .and_then(|(i, choice)| questions.get(i).map(|q| (q, choice)));
    html! {
        <div class="narration-line" data-testid="narration-line" aria-live="polite">
            if let Some(q) = question {
                <div class="predict" data-testid="predict">
                    <span class="predict-tag">{ t(lang, Key::Predict) }</span>
                    <span class="predict-ask">{ pick(&q.ask) }</span>
                    <span class="predict-options">
                        { for q.options.iter().enumerate().map(|(i, o)| {
                            let on_answer = on_answer.clone();
                            html! {
                                <button data-testid={format!("predict-option-{i}")}
                                    onclick={Callback::from(move |_: MouseEvent| on_answer.emit(i))}>{ pick(o) }</button>
                            }
                        }) }
                    </span>
                </div>
            } else if let Some((q, choice)) = answered {
                <p class="answer" data-testid="predict-answer" data-right={(choice == q.answer).to_string()}>
                    <b>{ if choice == q.answer { t(lang, Key::Right) } else { t(lang, Key::NotQuite) } }</b>
                    { " " }{ pick(&q.why) }
                </p>
            } else if let Some(n) = current {
                <p>
                    if state.slow_ms > 0.0 {
                        <span class="slowmo" data-testid="slow-motion">{ t(lang, Key::SlowMotion) }</span>{ " " }
                    }
                    <span class="at">{ secs(n.at) }</span>{ " " }{ text.unwrap_or_default() }
                </p>
            }
        </div>
    }
}

/// The recent events, newest first, without the per-heartbeat noise.
pub fn events(state: &AppState, lang: Lang) -> Html {
    let rows = state
        .log
        .iter()
        .rev()
        .filter(|e| {
            !matches!(
                &e.kind,
                WorldEventKind::Broker {
                    event: Event::Heartbeat { error: None, .. } | Event::FetchServed { .. }
                } | WorldEventKind::Producer { .. }
            )
        })
        .take(40)
        .map(|e| html! { <li>{ crate::event_text::world_line(e, lang) }</li> });
    html! { <ul>{ for rows }</ul> }
}

/// The scenario picker's options.
pub fn scenario_options(current: &str, lang: Lang) -> Html {
    // Building every scenario (its script, its lesson) to read its title cost a crowded
    // world's frames: the titles are read once.
    thread_local! {
        static TITLES: Vec<(String, String, String)> = scenarios::all()
            .into_iter()
            .map(|s| (s.id, s.title_en, s.title_zh))
            .collect();
    }
    TITLES.with(|titles| {
        let options = titles.iter().map(|(id, en, zh)| {
            let title = if lang == Lang::Zh { zh } else { en };
            html! { <option value={id.clone()} selected={id == current}>{ format!("{id} · {title}") }</option> }
        });
        html! { <>{ for options }</> }
    })
}

/// The banner walking through the five steps of the latest rebalance.
pub fn rebalance_banner(vm: &ViewModel, lang: Lang) -> Html {
    rebalance_banner_at(vm.rebalance_step, lang)
}

/// The counters.
pub fn counters(vm: &ViewModel, lang: Lang) -> Html {
    html! {
        <div class="counters">
            <div class="counter"><span>{ t(lang, Key::Duplicates) }</span><b data-testid="duplicates-count">{ vm.duplicates }</b></div>
            <div class="counter"><span>{ t(lang, Key::Lost) }</span><b data-testid="lost-count">{ vm.lost }</b></div>
            <div class="counter"><span>{ t(lang, Key::Generation) }</span><b data-testid="generation">{ generation(vm.generation, lang) }</b></div>
            <div class="counter"><span>{ t(lang, Key::Time) }</span><b data-testid="time">{ secs(vm.now) }</b></div>
        </div>
    }
}
