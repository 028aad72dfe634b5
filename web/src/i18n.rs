//! Every label of the page in English and Chinese.

use serde::{Deserialize, Serialize};

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// English.
    En,
    /// Chinese.
    Zh,
}

impl Lang {
    /// From a `lang` query parameter or a browser language tag (`zh-CN` -> Zh).
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Lang::Zh)
        } else if tag.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The query/storage code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The other language.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }
}

/// Every label of the page, by name. A typed key: a label used without its two
/// translations does not compile, so the page never shows a "?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    #[allow(missing_docs)]
    Title,
    #[allow(missing_docs)]
    Play,
    #[allow(missing_docs)]
    Lesson,
    #[allow(missing_docs)]
    LessonHint,
    #[allow(missing_docs)]
    Present,
    #[allow(missing_docs)]
    PresentHint,
    #[allow(missing_docs)]
    Predict,
    #[allow(missing_docs)]
    SlowMotion,
    #[allow(missing_docs)]
    Right,
    #[allow(missing_docs)]
    NotQuite,
    #[allow(missing_docs)]
    Pause,
    #[allow(missing_docs)]
    Step,
    #[allow(missing_docs)]
    ToEnd,
    #[allow(missing_docs)]
    Speed,
    #[allow(missing_docs)]
    Time,
    #[allow(missing_docs)]
    Scenario,
    #[allow(missing_docs)]
    Lang,
    #[allow(missing_docs)]
    Duplicates,
    #[allow(missing_docs)]
    Lost,
    #[allow(missing_docs)]
    Generation,
    #[allow(missing_docs)]
    Partitions,
    #[allow(missing_docs)]
    Members,
    #[allow(missing_docs)]
    Narration,
    #[allow(missing_docs)]
    Events,
    #[allow(missing_docs)]
    LogStart,
    #[allow(missing_docs)]
    Hw,
    #[allow(missing_docs)]
    Committed,
    #[allow(missing_docs)]
    Position,
    #[allow(missing_docs)]
    Processed,
    #[allow(missing_docs)]
    Lag,
    #[allow(missing_docs)]
    Active,
    #[allow(missing_docs)]
    Standby,
    #[allow(missing_docs)]
    Rebalancing,
    #[allow(missing_docs)]
    Dead,
    #[allow(missing_docs)]
    Stopped,
    #[allow(missing_docs)]
    Frozen,
    #[allow(missing_docs)]
    Busy,
    #[allow(missing_docs)]
    NoActiveMember,
    #[allow(missing_docs)]
    Joining,
    #[allow(missing_docs)]
    Crash,
    #[allow(missing_docs)]
    Stop,
    #[allow(missing_docs)]
    Restart,
    #[allow(missing_docs)]
    AddConsumer,
    #[allow(missing_docs)]
    Share,
    #[allow(missing_docs)]
    Controls,
    #[allow(missing_docs)]
    Producers,
    #[allow(missing_docs)]
    AddProducer,
    #[allow(missing_docs)]
    Assignment,
    #[allow(missing_docs)]
    Sent,
    #[allow(missing_docs)]
    Settings,
    #[allow(missing_docs)]
    Assignor,
    #[allow(missing_docs)]
    Static,
    #[allow(missing_docs)]
    ProcessingTime,
    #[allow(missing_docs)]
    SettingsHint,
    #[allow(missing_docs)]
    Rebalance,
    #[allow(missing_docs)]
    StepDetect,
    #[allow(missing_docs)]
    StepStop,
    #[allow(missing_docs)]
    StepReassign,
    #[allow(missing_docs)]
    StepCommit,
    #[allow(missing_docs)]
    StepResume,
    #[allow(missing_docs)]
    Session,
    #[allow(missing_docs)]
    SessionSuffix,
    #[allow(missing_docs)]
    Produce10,
    #[allow(missing_docs)]
    RateUp,
    #[allow(missing_docs)]
    RateStop,
    #[allow(missing_docs)]
    AddPartition,
    #[allow(missing_docs)]
    SeekStart,
    #[allow(missing_docs)]
    SeekTo,
    #[allow(missing_docs)]
    SelectHint,
    #[allow(missing_docs)]
    SeekEnd,
    #[allow(missing_docs)]
    SeekBack10,
    #[allow(missing_docs)]
    ModeAuto,
    #[allow(missing_docs)]
    ModeRecord,
    #[allow(missing_docs)]
    ModeBatch,
    #[allow(missing_docs)]
    ModeAsync,
    #[allow(missing_docs)]
    ModeAtMostOnce,
    #[allow(missing_docs)]
    AtLeastOnce,
    #[allow(missing_docs)]
    MsPerRecord,
    #[allow(missing_docs)]
    Source,
    #[allow(missing_docs)]
    Simulation,
    #[allow(missing_docs)]
    Live,
    #[allow(missing_docs)]
    Group,
    #[allow(missing_docs)]
    NoGroup,
    #[allow(missing_docs)]
    Connecting,
    #[allow(missing_docs)]
    Connected,
    #[allow(missing_docs)]
    Disconnected,
    #[allow(missing_docs)]
    Server,
    #[allow(missing_docs)]
    Connect,
    #[allow(missing_docs)]
    Missed,
    #[allow(missing_docs)]
    State,
    #[allow(missing_docs)]
    Host,
    #[allow(missing_docs)]
    Left,
    #[allow(missing_docs)]
    LiveTitle,
    #[allow(missing_docs)]
    LiveHint,
    #[allow(missing_docs)]
    LiveHintProduce,
    #[allow(missing_docs)]
    LiveHintConsume,
    #[allow(missing_docs)]
    LiveOnlySim,
    #[allow(missing_docs)]
    Admin,
    #[allow(missing_docs)]
    Topic,
    #[allow(missing_docs)]
    ResetEarliest,
    #[allow(missing_docs)]
    ResetLatest,
    #[allow(missing_docs)]
    DeleteTopic,
    #[allow(missing_docs)]
    AdminHint,
    #[allow(missing_docs)]
    Sampled,
    #[allow(missing_docs)]
    NotSampledYet,
    #[allow(missing_docs)]
    SampleFailed,
    #[allow(missing_docs)]
    Rebalances,
    #[allow(missing_docs)]
    NoRebalance,
    #[allow(missing_docs)]
    WatchTitle,
    #[allow(missing_docs)]
    HourOfLag,
    #[allow(missing_docs)]
    Viewing,
    #[allow(missing_docs)]
    BackToLive,
    #[allow(missing_docs)]
    Ago,
    #[allow(missing_docs)]
    Scrub,
    #[allow(missing_docs)]
    Cluster,
    #[allow(missing_docs)]
    LastHour,
}

impl Key {
    /// Every key, for the tests.
    pub const ALL: [Key; 116] = [
        Key::Title,
        Key::Play,
        Key::Lesson,
        Key::LessonHint,
        Key::Present,
        Key::PresentHint,
        Key::Predict,
        Key::SlowMotion,
        Key::Right,
        Key::NotQuite,
        Key::Pause,
        Key::Step,
        Key::ToEnd,
        Key::Speed,
        Key::Time,
        Key::Scenario,
        Key::Lang,
        Key::Duplicates,
        Key::Lost,
        Key::Generation,
        Key::Partitions,
        Key::Members,
        Key::Narration,
        Key::Events,
        Key::LogStart,
        Key::Hw,
        Key::Committed,
        Key::Position,
        Key::Processed,
        Key::Lag,
        Key::Active,
        Key::Standby,
        Key::Rebalancing,
        Key::Dead,
        Key::Stopped,
        Key::Frozen,
        Key::Busy,
        Key::NoActiveMember,
        Key::Joining,
        Key::Crash,
        Key::Stop,
        Key::Restart,
        Key::AddConsumer,
        Key::Share,
        Key::Controls,
        Key::Producers,
        Key::AddProducer,
        Key::Assignment,
        Key::Sent,
        Key::Settings,
        Key::Assignor,
        Key::Static,
        Key::ProcessingTime,
        Key::SettingsHint,
        Key::Rebalance,
        Key::StepDetect,
        Key::StepStop,
        Key::StepReassign,
        Key::StepCommit,
        Key::StepResume,
        Key::Session,
        Key::SessionSuffix,
        Key::Produce10,
        Key::RateUp,
        Key::RateStop,
        Key::AddPartition,
        Key::SeekStart,
        Key::SeekTo,
        Key::SelectHint,
        Key::SeekEnd,
        Key::SeekBack10,
        Key::ModeAuto,
        Key::ModeRecord,
        Key::ModeBatch,
        Key::ModeAsync,
        Key::ModeAtMostOnce,
        Key::AtLeastOnce,
        Key::MsPerRecord,
        Key::Source,
        Key::Simulation,
        Key::Live,
        Key::Group,
        Key::NoGroup,
        Key::Connecting,
        Key::Connected,
        Key::Disconnected,
        Key::Server,
        Key::Connect,
        Key::Missed,
        Key::State,
        Key::Host,
        Key::Left,
        Key::LiveTitle,
        Key::LiveHint,
        Key::LiveHintProduce,
        Key::LiveHintConsume,
        Key::LiveOnlySim,
        Key::Admin,
        Key::Topic,
        Key::ResetEarliest,
        Key::ResetLatest,
        Key::DeleteTopic,
        Key::AdminHint,
        Key::Sampled,
        Key::NotSampledYet,
        Key::SampleFailed,
        Key::Rebalances,
        Key::NoRebalance,
        Key::WatchTitle,
        Key::HourOfLag,
        Key::Viewing,
        Key::BackToLive,
        Key::Ago,
        Key::Scrub,
        Key::Cluster,
        Key::LastHour,
    ];
}

/// A label in the page language.
pub fn t(lang: Lang, key: Key) -> &'static str {
    let (en, zh) = match key {
        Key::Title => (
            "minikafka: watch Kafka work",
            "minikafka：看 Kafka 如何工作",
        ),
        Key::Play => ("Play", "播放"),
        Key::Lesson => ("Lesson", "课程"),
        Key::LessonHint => (
            "Guided lesson: the scenario pauses at its key moment and asks you to predict what happens",
            "引导课程：场景在关键时刻暂停，请你先预测会发生什么",
        ),
        Key::Present => ("Present (P)", "演示 (P)"),
        Key::PresentHint => (
            "Presenter mode: only the picture and the narration, in large type (key P)",
            "演示模式：只显示画面和讲解，大字号（按 P 键）",
        ),
        Key::Predict => ("Predict", "先预测"),
        Key::SlowMotion => ("slow motion: a rebalance step", "慢动作：再均衡的一步"),
        Key::Right => ("Right.", "答对了。"),
        Key::NotQuite => ("Not quite: watch what happens.", "不太对：看看接下来发生什么。"),
        Key::Pause => ("Pause", "暂停"),
        Key::Step => ("Step", "单步"),
        Key::ToEnd => ("To end", "跳到结尾"),
        Key::Speed => ("Speed", "速度"),
        Key::Time => ("Time", "时间"),
        Key::Scenario => ("Scenario", "场景"),
        Key::Lang => ("中文", "English"),
        Key::Duplicates => ("Duplicates", "重复"),
        Key::Lost => ("Lost", "丢失"),
        Key::Generation => ("Generation", "代"),
        Key::Partitions => ("Partitions", "分区"),
        Key::Members => ("Consumer group", "消费者组"),
        Key::Narration => ("What is happening", "正在发生什么"),
        Key::Events => ("Events", "事件"),
        Key::LogStart => ("log start", "日志起始"),
        Key::Hw => ("high watermark", "高水位"),
        Key::Committed => ("committed", "已提交"),
        Key::Position => ("position", "位置"),
        Key::Processed => ("processed", "已处理"),
        Key::Lag => ("lag", "延迟"),
        Key::Active => ("active", "活跃"),
        Key::Standby => ("standby", "备用"),
        Key::Rebalancing => ("rebalancing", "再均衡中"),
        Key::Dead => ("crashed", "已崩溃"),
        Key::Stopped => ("left", "已离开"),
        Key::Frozen => ("frozen (paused)", "冻结（暂停）"),
        Key::Busy => ("busy writing its batch", "正在写这一批"),
        Key::Joining => ("joining", "加入中"),
        Key::NoActiveMember => ("no member is active in this group now", "这个组现在没有活跃成员"),
        Key::Crash => ("Crash", "崩溃"),
        Key::Stop => ("Stop", "停止"),
        Key::Restart => ("Restart", "重启"),
        Key::AddConsumer => ("Add consumer", "添加消费者"),
        Key::Share => ("Link to this moment", "此刻的链接"),
        Key::Controls => ("Try it", "动手试试"),
        Key::Producers => ("Producers", "生产者"),
        Key::AddProducer => ("Add producer", "添加生产者"),
        Key::Assignment => ("Who reads what", "谁在读哪个分区"),
        Key::Sent => ("sent", "已发送"),
        Key::Settings => ("Settings", "设置"),
        Key::Assignor => ("Assignor", "分配策略"),
        Key::Static => ("Static member", "静态成员"),
        Key::ProcessingTime => ("Processing per record", "每条处理时间"),
        Key::SettingsHint => ("Processing time applies now; client settings apply when the consumer restarts, as with a real consumer.", "处理时间立即生效；客户端配置在消费者重启后生效，和真实的消费者一样。"),
        Key::Rebalance => ("Rebalance", "再均衡"),
        Key::StepDetect => ("1 detect a membership change", "1 发现成员变化"),
        Key::StepStop => (
            "2 stop, give partitions up",
            "2 停止拉取，交出分区",
        ),
        Key::StepReassign => ("3 reassign partitions", "3 重新分配分区"),
        Key::StepCommit => (
            "4 commit / read offsets",
            "4 提交 / 读取已提交 offset",
        ),
        Key::StepResume => (
            "5 resume from the committed offsets",
            "5 从已提交 offset 继续",
        ),
        Key::Session => ("session expires in", "会话将在"),
        Key::SessionSuffix => ("", "后过期"),
        Key::Produce10 => ("Produce 10", "生产 10 条"),
        Key::RateUp => ("Rate +5/s", "速率 +5/秒"),
        Key::RateStop => ("Stop producing", "停止生产"),
        Key::AddPartition => ("Add partition", "增加分区"),
        Key::SeekStart => ("Seek to beginning", "跳到开头"),
        Key::SeekTo => ("seek to", "跳到 offset"),
        Key::SelectHint => ("Click to select this partition and seek in it", "点击选中该分区，并在其中 seek"),
        Key::SeekEnd => ("Seek to end", "跳到末尾"),
        Key::SeekBack10 => ("Seek back 10", "回退 10 条"),
        Key::ModeAuto => ("Auto-commit", "自动提交"),
        Key::ModeRecord => ("Commit per record", "逐条提交"),
        Key::ModeBatch => ("Commit per batch", "逐批提交"),
        Key::ModeAsync => ("Async per batch", "逐批异步提交"),
        Key::ModeAtMostOnce => ("At-most-once", "至多一次"),
        Key::AtLeastOnce => ("At-least-once", "至少一次"),
        Key::MsPerRecord => ("ms/record", "毫秒/条"),
        Key::Source => ("Source", "数据来源"),
        Key::Simulation => ("Simulation", "模拟"),
        Key::Live => ("Live server", "实时服务器"),
        Key::Group => ("Group", "消费者组"),
        Key::NoGroup => ("(no group yet)", "（还没有消费者组）"),
        Key::Connecting => ("connecting…", "连接中…"),
        Key::Connected => ("connected", "已连接"),
        Key::Disconnected => ("disconnected, retrying", "已断开，正在重试"),
        Key::Server => ("Server", "服务器"),
        Key::Connect => ("Connect", "连接"),
        Key::Missed => ("events missed", "条事件未收到"),
        Key::State => ("State", "状态"),
        Key::Host => ("host", "主机"),
        Key::Left => ("left", "已离开"),
        Key::LiveTitle => ("Live: a running minikafka server", "实时：正在运行的 minikafka 服务器"),
        Key::LiveHint => (
            "This page draws what real Kafka clients do to the server, as it happens. Try, in a terminal:",
            "本页实时绘制真实 Kafka 客户端对服务器的操作。在终端里试试：",
        ),
        Key::LiveHintProduce => ("produce", "生产"),
        Key::LiveHintConsume => (
            "consume in a group (start it twice: one member becomes a standby)",
            "以消费者组消费（启动两次：一个成员会成为备用成员）",
        ),
        Key::LiveOnlySim => (
            "Live mode shows facts the broker knows: duplicates and lost records are only counted in the simulation, where the applications are simulated too.",
            "实时模式只显示 broker 知道的事实：重复和丢失的记录只在模拟中统计，因为那里的应用程序也是模拟的。",
        ),
        Key::Admin => ("Admin (--http-admin)", "管理（--http-admin）"),
        Key::Topic => ("Topic", "主题"),
        Key::ResetEarliest => ("Reset group to earliest", "组 offset 重置到最早"),
        Key::ResetLatest => ("Reset group to latest", "组 offset 重置到最新"),
        Key::DeleteTopic => ("Delete topic", "删除主题"),
        Key::AdminHint => (
            "A reset moves the shown group's committed offsets on every partition of the topic; the group must have no members (stop its consumers first).",
            "重置会移动所显示的消费者组在该主题每个分区上的已提交 offset；该组必须没有成员（先停止它的消费者）。",
        ),
        Key::Sampled => (
            "minikafka watch, read-only: picture sampled",
            "minikafka watch（只读）：画面采样于",
        ),
        Key::NotSampledYet => ("no sample of the cluster yet", "尚未采样到集群"),
        Key::SampleFailed => ("latest sample failed", "最近一次采样失败"),
        Key::Rebalances => (
            "Rebalances, last hour (reasons inferred)",
            "最近一小时的再均衡（原因为推断）",
        ),
        Key::NoRebalance => ("none seen", "没有看到"),
        Key::HourOfLag => (
            "The group's total lag over the last hour, as the watch sampled it (a point a minute)",
            "该组最近一小时的总 lag（watch 采样，每分钟一个点）",
        ),
        Key::Viewing => ("Viewing the past: sampled at", "正在回看：采样于"),
        Key::BackToLive => ("Back to live", "回到实时"),
        Key::Cluster => ("Cluster", "集群"),
        Key::LastHour => ("Last hour", "最近一小时"),
        Key::Ago => ("ago", "之前"),
        Key::Scrub => (
            "The last hour: drag to see the cluster as it was (ticks: rebalances)",
            "最近一小时：拖动查看集群当时的样子（刻度：再均衡）",
        ),
        Key::WatchTitle => (
            "Watch: a Kafka cluster, sampled read-only",
            "Watch：只读采样的 Kafka 集群",
        ),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_browser_tags() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::En.other(), Lang::Zh);
    }

    #[test]
    fn every_label_differs_between_the_languages() {
        // The language button names the other language; the rest is translated.
        for key in Key::ALL {
            let (en, zh) = (t(Lang::En, key), t(Lang::Zh, key));
            assert!(!en.is_empty() || key == Key::SessionSuffix, "{key:?}");
            if key != Key::SessionSuffix {
                assert_ne!(en, zh, "{key:?}");
            }
        }
    }
}
