//! Live mode's page: a WebSocket to a running `minikafka serve --http`, and the same views
//! as the simulation drawing what real clients do.
//!
//! The socket's messages are queued as they arrive and handed to the store ten times a
//! second with the clock tick, so a broker doing thousands of appends a second costs ten
//! redraws, not thousands. A closed socket is reopened every two seconds; the server then
//! sends a fresh snapshot, so a reconnect recovers the whole picture.
//!
//! Read-only unless the server says otherwise (`serve --http-admin`): then an admin panel
//! resets the shown group's offsets or deletes a topic, through the same broker calls the
//! CLI's `offsets reset` and `topics delete` end in.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use yew::prelude::*;

use crate::i18n::{t, Key, Lang};
use crate::live::page::{live_view_model, ConnectionStatus, LiveAction, LiveMemberView, LivePage};
use crate::panels::cards;
use crate::panels::{Panel, PanelBox};
use crate::store::Store;

use minikafka::live::{AdminRequest, ResetTo};

/// Milliseconds between reconnection attempts.
const RETRY_MS: f64 = 2_000.0;

/// The root's props: where to connect, in which language.
#[derive(Properties, PartialEq, Clone)]
pub struct LiveProps {
    /// The WebSocket URL.
    pub url: String,
    /// The starting language.
    pub lang: Lang,
    /// Switch language (remembered by the root).
    pub on_lang: Callback<Lang>,
    /// The group to follow, from the link's `group=` (else the first with members).
    #[prop_or_default]
    pub group: Option<String>,
}

/// An open socket with the callbacks it needs kept alive.
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// Where the socket's events wait for the next tick.
#[derive(Default)]
struct Inbox {
    texts: Vec<String>,
    opened: bool,
    closed: Option<String>,
}

fn open_socket(url: &str, inbox: Rc<RefCell<Inbox>>) -> Result<Socket, String> {
    let ws = WebSocket::new(url).map_err(|e| format!("{e:?}"))?;
    let on_open = {
        let inbox = inbox.clone();
        Closure::<dyn FnMut()>::new(move || inbox.borrow_mut().opened = true)
    };
    let on_message = {
        let inbox = inbox.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                inbox.borrow_mut().texts.push(text);
            }
        })
    };
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
        let why = if e.reason().is_empty() {
            format!("code {}", e.code())
        } else {
            e.reason()
        };
        inbox.borrow_mut().closed = Some(why);
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    Ok(Socket {
        ws,
        _on_open: on_open,
        _on_message: on_message,
        _on_close: on_close,
    })
}

fn epoch_ms() -> i64 {
    js_sys_now() as i64
}

fn js_sys_now() -> f64 {
    // `Date.now()` without pulling js-sys in: performance.timeOrigin + performance.now().
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.time_origin() + p.now())
        .unwrap_or(0.0)
}

/// Keep the followed group in the address (`group=`), so the page can be bookmarked.
fn follow_in_link(group: &str) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let search = w.location().search().unwrap_or_default();
    let mut parts: Vec<String> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("group="))
        .map(str::to_string)
        .collect();
    parts.push(format!("group={}", crate::url::percent_encode(group)));
    if let Ok(history) = w.history() {
        let link = format!("?{}", parts.join("&"));
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&link));
    }
}

/// The live page.
#[function_component(LiveApp)]
pub fn live_app(props: &LiveProps) -> Html {
    let store = use_reducer({
        let (url, lang, group) = (props.url.clone(), props.lang, props.group.clone());
        move || {
            let mut page = LivePage::new(url, lang);
            page.group = group;
            Store::new(page)
        }
    });

    // The open socket, shared with the admin buttons (which send on it).
    let socket: Rc<RefCell<Option<Socket>>> = use_mut_ref(|| None);

    use_live_socket(props.url.clone(), store.clone(), socket.clone());
    let admin_topic = use_state(String::new);

    let page = store.state.borrow();
    let lang = page.lang;
    let vm = live_view_model(&page);

    let on_group = {
        let store = store.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                follow_in_link(&select.value());
                store.dispatch(LiveAction::SelectGroup(select.value()));
            }
        })
    };
    let on_lang = {
        let store = store.clone();
        let on_lang = props.on_lang.clone();
        Callback::from(move |_: MouseEvent| {
            let next = store.state.borrow().lang.other();
            on_lang.emit(next);
            store.dispatch(LiveAction::SetLang(next));
        })
    };
    let on_server = Callback::from(move |e: Event| {
        if let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            let typed = input.value();
            if let Some(location) = web_sys::window().map(|w| w.location()) {
                let _ = location.set_search(&format!(
                    "source=live&lang={}&url={}",
                    lang.code(),
                    typed.trim().replace('&', "%26")
                ));
            }
        }
    });
    let topics: Vec<String> =
        vm.partitions
            .iter()
            .map(|p| p.topic.clone())
            .fold(Vec::new(), |mut v, t| {
                if v.last() != Some(&t) {
                    v.push(t);
                }
                v
            });
    let send = {
        let socket = socket.clone();
        Callback::from(move |(request, question): (AdminRequest, Option<String>)| {
            if let Some(q) = question {
                let sure = web_sys::window()
                    .and_then(|w| w.confirm_with_message(&q).ok())
                    .unwrap_or(false);
                if !sure {
                    return;
                }
            }
            if let (Some(s), Ok(text)) = (socket.borrow().as_ref(), serde_json::to_string(&request))
            {
                let _ = s.ws.send_with_str(&text);
            }
        })
    };
    let group_options = vm.groups.iter().map(|g| {
        html! { <option value={g.clone()} selected={vm.group.as_ref() == Some(g)}>{ g }</option> }
    });
    let no_op_select = Callback::from(|_: (String, i32)| {});
    let no_op_seek = Callback::from(|_: (String, i32, i64)| {});
    let status = &page.connection;
    let is_open = |panel: Panel| !page.folded.contains(&panel);
    let on_fold = {
        let store = store.clone();
        Callback::from(move |panel: Panel| store.dispatch(LiveAction::TogglePanel(panel)))
    };
    let status_text = match status {
        ConnectionStatus::Closed { reason } => format!("{} ({reason})", t(lang, status.key())),
        _ => t(lang, status.key()).to_string(),
    };

    html! {
        <div class="app" lang={lang.code()}>
            <header class="bar">
                <strong class="brand">{ "minikafka" }</strong>
                <div class="controls">
                    { cards::source_select(true, lang) }
                    <label>{ t(lang, Key::Group) }{" "}
                        <select data-testid="group-select" onchange={on_group}>
                            if vm.groups.is_empty() { <option value="">{ t(lang, Key::NoGroup) }</option> }
                            { for group_options }
                        </select>
                    </label>
                    if vm.group.is_some() && vm.members.iter().all(|m| m.state.gone()) {
                        <span class="muted" data-testid="no-active-member">{ t(lang, Key::NoActiveMember) }</span>
                    }
                    <label>{ t(lang, Key::Server) }{" "}
                        <input type="text" data-testid="live-url" value={page.url.clone()} onchange={on_server} size="28" />
                    </label>
                    <span class={classes!("connection", status.word())} data-testid="live-status" data-state={status.word()}>{ status_text }</span>
                    <button data-testid="lang-toggle" onclick={on_lang}>{ t(lang, Key::Lang) }</button>
                </div>
            </header>
            if let Some(notice) = &page.notice {
                <div class="notice">{ notice }</div>
            }
            if let Some(watch) = &page.watch {
                { watch_bar(&page, watch, lang, &store) }
            }
            <h2 class="scenario-title">{ t(lang, if page.watch.is_some() { Key::WatchTitle } else { Key::LiveTitle }) }</h2>
            <crate::stage::view::StageView stage={crate::stage::from_live::stage_of_live(&page, &vm)} {lang} />
            // A watched cluster is somebody's production: no "try producing to it" hint.
            if page.watch.is_none() {
                { live_hint(page.bootstrap.as_deref(), lang) }
            }
            <crate::stage::view::Legend {lang} open={false} />
            <div class="counters">
                <div class="counter"><span>{ t(lang, Key::State) }</span><b data-testid="group-state">{ vm.group_state.unwrap_or("-") }</b></div>
                <div class="counter"><span>{ t(lang, Key::Generation) }</span><b data-testid="generation">{ cards::generation(vm.generation, lang) }</b></div>
                <div class="counter"><span>{ t(lang, Key::Time) }</span><b data-testid="time">{ clock(vm.now) }</b></div>
                if page.watch.is_some() {
                    <div class="counter"><span>{ t(lang, Key::Lag) }</span><b data-testid="group-lag">{ vm.partitions.iter().map(|p| (p.high_watermark - p.committed.unwrap_or(p.log_start)).max(0)).sum::<i64>() }</b></div>
                }
                if page.live.missed > 0 {
                    <div class="counter"><span>{ t(lang, Key::Missed) }</span><b data-testid="missed">{ page.live.missed }</b></div>
                }
            </div>
            { cards::rebalance_banner_at(vm.rebalance_step, lang) }
            <main>
                <PanelBox panel={Panel::Partitions} {lang} open={is_open(Panel::Partitions)} on_toggle={on_fold.clone()}>
                    if is_open(Panel::Partitions) {
                        { for vm.partitions.iter().map(|p| cards::partition(p, lang, false, no_op_select.clone(), no_op_seek.clone())) }
                    }
                </PanelBox>
                <PanelBox panel={Panel::Members} {lang} open={is_open(Panel::Members)} on_toggle={on_fold.clone()}
                    extra={format!(" · {} · {} {}", vm.group.as_deref().unwrap_or("-"), t(lang, Key::Generation), cards::generation(vm.generation, lang))}>
                    if is_open(Panel::Members) {
                        <div class="members">{ for vm.members.iter().map(|m| live_member(m, lang)) }</div>
                    }
                </PanelBox>
                <PanelBox panel={Panel::Lag} {lang} open={is_open(Panel::Lag)} on_toggle={on_fold.clone()}>
                    if is_open(Panel::Lag) { { cards::lag_chart(&page.lag, vm.now - 120_000, 120_000) } }
                </PanelBox>
                if page.watch.is_some() && is_open(Panel::Lag) {
                    <div class="hour-lag" data-testid="watch-hour-lag">
                        <p class="muted">{ t(lang, Key::HourOfLag) }</p>
                        { cards::lag_chart(&page.hour_of_lag(), page.live.now - 3_600_000, 3_600_000) }
                    </div>
                }
                <PanelBox panel={Panel::Events} {lang} open={is_open(Panel::Events)} on_toggle={on_fold}>
                    if is_open(Panel::Events) { <ul data-testid="live-events">{ for recent_events(&page) }</ul> }
                </PanelBox>
                if page.admin {
                    { admin_panel(&AdminProps { lang, topics, group: vm.group.clone(), result: page.admin_result.clone(), send }, admin_topic) }
                }
                <p class="muted">{ t(lang, Key::LiveOnlySim) }</p>
            </main>
        </div>
    }
}

/// `minikafka watch`: how fresh the picture is, why it may be stale, the hour's timeline
/// (scrubbing it shows the cluster as it was), and the rebalances of the last hour.
fn watch_bar(
    page: &LivePage,
    watch: &minikafka::live::WatchStatus,
    lang: Lang,
    store: &UseReducerHandle<Store<LivePage>>,
) -> Html {
    let freshness = match page.sample_age() {
        Some(age) => format!(
            "{} {}.{} s ago · every {} ms · took {} ms",
            t(lang, Key::Sampled),
            age / 1000,
            age % 1000 / 100,
            watch.interval_ms,
            watch.took_ms
        ),
        None => t(lang, Key::NotSampledYet).to_string(),
    };
    let frames: Vec<i64> = page.frames.iter().map(|f| f.at).collect();
    let (first, last) = (
        frames.first().copied().unwrap_or(0),
        frames.last().copied().unwrap_or(0),
    );
    let on_slider = {
        let (store, frames) = (store.clone(), frames.clone());
        Callback::from(move |e: Event| {
            let value = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|i| i.value());
            if let Some(at) = value
                .and_then(|v| v.parse::<usize>().ok())
                .and_then(|i| frames.get(i))
            {
                store.dispatch(LiveAction::ScrubTo(*at));
            }
        })
    };
    let jump = |at: i64| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(LiveAction::ScrubTo(at)))
    };
    // Per mille of the hour shown, by integer arithmetic (no float formatting in the wasm).
    let place = |at: i64| ((at - first).max(0) * 1000 / (last - first).max(1)).min(1000);
    let under = page.rebalances_at_cursor();
    let shown = page.viewing().map_or(last, |(at, _)| at);
    let brokers = page.live.brokers.len();
    let cluster = format!(
        "{} {} · {brokers} broker{}",
        t(lang, Key::Cluster),
        page.bootstrap.as_deref().unwrap_or("?"),
        if brokers == 1 { "" } else { "s" }
    );
    // A member by its client.id (the member id is a long uuid); the id's start if unknown.
    let name = |m: &str| {
        page.client_of(m)
            .map_or_else(|| m.chars().take(12).collect(), str::to_string)
    };
    html! {
        <div class={classes!("watch", page.viewing().map(|_| "past"))} data-testid="watch-status">
            <p><b data-testid="watch-cluster">{ cluster }</b></p>
            <p data-testid="watch-freshness">{ freshness }</p>
            if let Some(error) = &watch.error {
                <p class="notice" data-testid="watch-error">{ format!("{}: {error}", t(lang, Key::SampleFailed)) }</p>
            }
            if frames.len() > 1 {
                <div class="clock-row scrub" title={t(lang, Key::Scrub)}>
                    <span class="muted">{ format!("{}: {}", t(lang, Key::LastHour), clock(first)) }</span>
                    <div class="track">
                        <input type="range" class="timeline" data-testid="watch-timeline" min="0"
                            max={(frames.len() - 1).to_string()} step="1" value={page.frame_index().to_string()}
                            onchange={on_slider} aria-label={t(lang, Key::Scrub)} />
                        <div class="ticks">
                            { for watch.rebalances.iter().filter(|r| r.at >= first).map(|r| {
                                let p = place(r.at);
                                html! { <span class="tick" style={format!("left:{}.{}%", p / 10, p % 10)}></span> }
                            }) }
                        </div>
                    </div>
                    <b class="clock" data-testid="watch-clock" data-at={shown.to_string()}>{ clock(shown) }</b>
                </div>
            }
            if let Some((at, ago)) = page.viewing() {
                <p class="viewing" data-testid="watch-viewing">
                    { format!("{} {} · {} {}", t(lang, Key::Viewing), clock(at), ago_text(ago), t(lang, Key::Ago)) }{" "}
                    <button data-testid="back-to-live" onclick={
                        let store = store.clone();
                        Callback::from(move |_: MouseEvent| store.dispatch(LiveAction::BackToLive))
                    }>{ t(lang, Key::BackToLive) }</button>
                </p>
            }
            <details open={true}>
                <summary>{ format!("{} ({})", t(lang, Key::Rebalances), watch.rebalances.len()) }</summary>
                if watch.rebalances.is_empty() {
                    <p class="muted">{ t(lang, Key::NoRebalance) }</p>
                }
                <ul data-testid="watch-rebalances">
                    { for watch.rebalances.iter().enumerate().rev().map(|(i, r)| html! {
                        <li class={classes!(under.contains(&i).then_some("current"))} onclick={jump(r.at)}
                            data-at={r.at.to_string()}>
                            <span class="at">{ clock(r.at) }</span>{" "}{ crate::live::page::rebalance_line(r, lang, name) }
                        </li>
                    }) }
                </ul>
            </details>
        </div>
    }
}

/// `754_000` ms as `12 min 34 s`.
fn ago_text(ms: i64) -> String {
    let s = ms / 1000;
    if s >= 60 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

/// Commands to try, with the server's own Kafka address once it has said it.
fn live_hint(bootstrap: Option<&str>, lang: Lang) -> Html {
    let b = bootstrap.unwrap_or("127.0.0.1:9092");
    html! {
        <div class="muted hint" data-testid="live-hint">
            <p>{ t(lang, Key::LiveHint) }</p>
            <p>{ t(lang, Key::LiveHintProduce) }{": "}<code>{ format!("seq 1 100 | kcat -b {b} -t demo -P") }</code></p>
            <p>{ t(lang, Key::LiveHintConsume) }{": "}<code>{ format!("kcat -b {b} -G demo-group demo") }</code></p>
        </div>
    }
}

/// `14:03:27` (UTC) from server milliseconds.
fn clock(ms: i64) -> String {
    let s = ms.rem_euclid(86_400_000) / 1000;
    format!("{:02}:{:02}:{:02} UTC", s / 3600, s / 60 % 60, s % 60)
}

fn recent_events(page: &LivePage) -> impl Iterator<Item = Html> {
    // Scrubbed back: the events up to the moment shown.
    let until = page.viewing().map_or(i64::MAX, |(at, _)| at);
    crate::live::page::event_lines(&page.live, 40, page.lang)
        .into_iter()
        .filter(move |(at, _)| *at <= until)
        .map(|(at, text)| html! { <li><span class="at">{ clock(at) }</span>{" "}{ text }</li> })
}

/// A member card for a real client.
fn live_member(m: &LiveMemberView, lang: Lang) -> Html {
    let parts = cards::partition_list(&m.partitions);
    html! {
        <div class={classes!("member", m.state.word(), m.heartbeat_pulse.then_some("pulse"))}
            data-testid={format!("member-{}", m.name)} data-state={m.state.word()} title={m.member_id.clone()}>
            <div class="member-head">
                <strong>{ &m.name }</strong>
                if m.leader { <span class="badge">{"leader"}</span> }
                <span class="state">{ t(lang, m.state.key()) }</span>
            </div>
            <div class="member-body">
                <span>{ parts }</span>
                <span class="muted">{ format!("{} {}", t(lang, Key::Host), m.host.trim_start_matches('/')) }</span>
                if let Some(instance) = &m.instance_id {
                    <span class="muted">{ format!("group.instance.id {instance}") }</span>
                }
            </div>
            if let Some(why) = m.removed.map(|r| crate::event_text::removal_reason(r, lang)) {
                <div class="muted">{ format!("{}: {why}", t(lang, Key::Left)) }</div>
            }
            if let Some(left) = m.session_left_ms {
                <div class={classes!("session", (left < 5_000).then_some("urgent"))} data-testid={format!("session-{}", m.name)}>
                    { format!("{} {}{}", t(lang, Key::Session), cards::secs(left), t(lang, Key::SessionSuffix)) }
                </div>
            }
        </div>
    }
}

/// The socket and the clock: open the socket, drain its inbox ten times a second into the
/// store, tick, and reopen a closed socket every two seconds.
#[hook]
fn use_live_socket(
    url: String,
    store: UseReducerHandle<Store<LivePage>>,
    socket: Rc<RefCell<Option<Socket>>>,
) {
    use_effect_with(url.clone(), move |_| {
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let last_attempt = Rc::new(Cell::new(f64::MIN));
        let on_unmount = socket.clone();
        let connect = {
            let (inbox, socket, last_attempt, store, url) = (
                inbox.clone(),
                socket.clone(),
                last_attempt.clone(),
                store.clone(),
                url.clone(),
            );
            move || {
                last_attempt.set(js_sys_now());
                socket.borrow_mut().take();
                store.dispatch(LiveAction::Connecting);
                match open_socket(&url, inbox.clone()) {
                    Ok(s) => *socket.borrow_mut() = Some(s),
                    Err(e) => inbox.borrow_mut().closed = Some(e),
                }
            }
        };
        connect();
        let interval = Interval::new(100, move || {
            let (opened, texts, closed) = {
                let mut inbox = inbox.borrow_mut();
                (
                    std::mem::take(&mut inbox.opened),
                    std::mem::take(&mut inbox.texts),
                    inbox.closed.take(),
                )
            };
            if opened {
                store.dispatch(LiveAction::Opened);
            }
            if !texts.is_empty() {
                store.dispatch(LiveAction::Messages {
                    texts,
                    local_ms: epoch_ms(),
                });
            }
            if let Some(reason) = closed {
                socket.borrow_mut().take();
                store.dispatch(LiveAction::Closed(reason));
            }
            let is_closed = matches!(
                store.state.borrow().connection,
                ConnectionStatus::Closed { .. }
            );
            if is_closed && js_sys_now() - last_attempt.get() >= RETRY_MS {
                connect();
            }
            store.dispatch(LiveAction::Tick(epoch_ms()));
        });
        move || {
            drop(interval);
            on_unmount.borrow_mut().take();
        }
    });
}

/// What the admin panel needs: the topics to choose from, the shown group, the server's
/// answer to the last request, and how to send one (with a question to confirm first).
pub struct AdminProps {
    /// Page language.
    pub lang: Lang,
    /// Topics on the server, in order.
    pub topics: Vec<String>,
    /// The group whose offsets a reset moves (none: resets are disabled).
    pub group: Option<String>,
    /// The server's answer to the last request: succeeded, and its message.
    pub result: Option<(bool, String)>,
    /// Sends a request, after the question (if any) is confirmed.
    pub send: Callback<(AdminRequest, Option<String>)>,
}

/// The admin panel (`serve --http-admin` only), with the topic `chosen` in it: reset the shown group's offsets on a topic
/// to its earliest or latest, or delete the topic, through the broker calls the CLI's
/// `offsets reset` and `topics delete` end in.
fn admin_panel(props: &AdminProps, chosen: UseStateHandle<String>) -> Html {
    let lang = props.lang;
    let topics = &props.topics;
    let topic = Some((*chosen).clone())
        .filter(|t| topics.contains(t))
        .or_else(|| topics.first().cloned())
        .unwrap_or_default();
    let reset = |to: ResetTo| {
        let (send, group, topic) = (props.send.clone(), props.group.clone(), topic.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(group) = group.clone() {
                send.emit((
                    AdminRequest::ResetOffsets {
                        group,
                        topic: topic.clone(),
                        to,
                    },
                    None,
                ));
            }
        })
    };
    let delete = {
        let (send, topic) = (props.send.clone(), topic.clone());
        Callback::from(move |_: MouseEvent| {
            let question = format!(
                "Delete topic {topic}, its records and every group's committed offsets for it?"
            );
            send.emit((
                AdminRequest::DeleteTopic {
                    topic: topic.clone(),
                },
                Some(question),
            ));
        })
    };
    let on_topic = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                chosen.set(select.value());
            }
        })
    };
    let no_group = props.group.is_none();
    html! {
        <div class="panel admin" data-testid="admin">
            <h3>{ t(lang, Key::Admin) }</h3>
            <label>{ t(lang, Key::Topic) }{" "}
                <select data-testid="admin-topic" onchange={on_topic}>
                    { for topics.iter().map(|t| html! { <option value={t.clone()} selected={*t == topic}>{ t }</option> }) }
                </select>
            </label>
            <div class="member-actions">
                <button data-testid="admin-reset-earliest" disabled={no_group} onclick={reset(ResetTo::Earliest)}>{ t(lang, Key::ResetEarliest) }</button>
                <button data-testid="admin-reset-latest" disabled={no_group} onclick={reset(ResetTo::Latest)}>{ t(lang, Key::ResetLatest) }</button>
                <button data-testid="admin-delete-topic" onclick={delete}>{ t(lang, Key::DeleteTopic) }</button>
            </div>
            <p class="muted">{ t(lang, Key::AdminHint) }</p>
            if let Some((ok, message)) = &props.result {
                <p data-testid="admin-result" data-ok={ok.to_string()} class={classes!((!ok).then_some("notice"))}>{ message }</p>
            }
        </div>
    }
}
