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

/// A label in the page language.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (en, zh) = match key {
        "title" => (
            "minikafka: watch Kafka work",
            "minikafka：看 Kafka 如何工作",
        ),
        "play" => ("Play", "播放"),
        "lesson" => ("Lesson", "课程"),
        "lesson-hint" => (
            "Guided lesson: the scenario pauses at its key moment and asks you to predict what happens",
            "引导课程：场景在关键时刻暂停，请你先预测会发生什么",
        ),
        "present" => ("Present (P)", "演示 (P)"),
        "present-hint" => (
            "Presenter mode: only the picture and the narration, in large type (key P)",
            "演示模式：只显示画面和讲解，大字号（按 P 键）",
        ),
        "predict" => ("Predict", "先预测"),
        "slow-motion" => ("slow motion: a rebalance step", "慢动作：再均衡的一步"),
        "right" => ("Right.", "答对了。"),
        "not-quite" => ("Not quite: watch what happens.", "不太对：看看接下来发生什么。"),
        "pause" => ("Pause", "暂停"),
        "step" => ("Step", "单步"),
        "to-end" => ("To end", "跳到结尾"),
        "speed" => ("Speed", "速度"),
        "time" => ("Time", "时间"),
        "scenario" => ("Scenario", "场景"),
        "lang" => ("中文", "English"),
        "duplicates" => ("Duplicates", "重复"),
        "lost" => ("Lost", "丢失"),
        "generation" => ("Generation", "代"),
        "partitions" => ("Partitions", "分区"),
        "members" => ("Consumer group", "消费者组"),
        "narration" => ("What is happening", "正在发生什么"),
        "events" => ("Events", "事件"),
        "log-start" => ("log start", "日志起始"),
        "hw" => ("high watermark", "高水位"),
        "committed" => ("committed", "已提交"),
        "position" => ("position", "位置"),
        "processed" => ("processed", "已处理"),
        "lag" => ("lag", "延迟"),
        "active" => ("active", "活跃"),
        "standby" => ("standby", "备用"),
        "rebalancing" => ("rebalancing", "再均衡中"),
        "dead" => ("crashed", "已崩溃"),
        "stopped" => ("left", "已离开"),
        "crash" => ("Crash", "崩溃"),
        "stop" => ("Stop", "停止"),
        "restart" => ("Restart", "重启"),
        "add-consumer" => ("Add consumer", "添加消费者"),
        "share" => ("Link to this moment", "此刻的链接"),
        "controls" => ("Try it", "动手试试"),
        "producers" => ("Producers", "生产者"),
        "add-producer" => ("Add producer", "添加生产者"),
        "assignment" => ("Who reads what", "谁在读哪个分区"),
        "sent" => ("sent", "已发送"),
        "settings" => ("Settings", "设置"),
        "assignor" => ("Assignor", "分配策略"),
        "static" => ("Static member", "静态成员"),
        "processing-time" => ("Processing per record", "每条处理时间"),
        "settings-hint" => ("Processing time applies now; client settings apply when the consumer restarts, as with a real consumer.", "处理时间立即生效；客户端配置在消费者重启后生效，和真实的消费者一样。"),
        "rebalance" => ("Rebalance", "再均衡"),
        "step-detect" => ("1 detect a membership change", "1 发现成员变化"),
        "step-stop" => (
            "2 stop fetching, give partitions up",
            "2 停止拉取，交出分区",
        ),
        "step-reassign" => ("3 reassign partitions", "3 重新分配分区"),
        "step-commit" => (
            "4 commit / read committed offsets",
            "4 提交 / 读取已提交 offset",
        ),
        "step-resume" => (
            "5 resume from the committed offsets",
            "5 从已提交 offset 继续",
        ),
        "session" => ("session expires in", "会话将在"),
        "session-suffix" => ("", "后过期"),
        "produce-10" => ("Produce 10", "生产 10 条"),
        "rate-up" => ("Rate +5/s", "速率 +5/秒"),
        "rate-stop" => ("Stop producing", "停止生产"),
        "add-partition" => ("Add partition", "增加分区"),
        "seek-start" => ("Seek to beginning", "跳到开头"),
        "seek-to" => ("seek to", "跳到 offset"),
        "select-hint" => ("Click to select this partition and seek in it", "点击选中该分区，并在其中 seek"),
        "seek-end" => ("Seek to end", "跳到末尾"),
        "seek-back-10" => ("Seek back 10", "回退 10 条"),
        "mode-auto" => ("Auto-commit", "自动提交"),
        "mode-record" => ("Commit per record", "逐条提交"),
        "mode-batch" => ("Commit per batch", "逐批提交"),
        "mode-async" => ("Async per batch", "逐批异步提交"),
        "mode-at-most-once" => ("At-most-once", "至多一次"),
        "at-least-once" => ("At-least-once", "至少一次"),
        "ms-per-record" => ("ms/record", "毫秒/条"),
        "source" => ("Source", "数据来源"),
        "simulation" => ("Simulation", "模拟"),
        "live" => ("Live server", "实时服务器"),
        "group" => ("Group", "消费者组"),
        "no-group" => ("(no group yet)", "（还没有消费者组）"),
        "connecting" => ("connecting…", "连接中…"),
        "connected" => ("connected", "已连接"),
        "disconnected" => ("disconnected, retrying", "已断开，正在重试"),
        "server" => ("Server", "服务器"),
        "connect" => ("Connect", "连接"),
        "missed" => ("events missed", "条事件未收到"),
        "state" => ("State", "状态"),
        "host" => ("host", "主机"),
        "left" => ("left", "已离开"),
        "live-title" => ("Live: a running minikafka server", "实时：正在运行的 minikafka 服务器"),
        "live-hint" => (
            "This page draws what real Kafka clients do to the server, as it happens. Try, in a terminal:",
            "本页实时绘制真实 Kafka 客户端对服务器的操作。在终端里试试：",
        ),
        "live-hint-produce" => ("produce", "生产"),
        "live-hint-consume" => (
            "consume in a group (start it twice: one member becomes a standby)",
            "以消费者组消费（启动两次：一个成员会成为备用成员）",
        ),
        "live-only-sim" => (
            "Live mode shows facts the broker knows: duplicates and lost records are only counted in the simulation, where the applications are simulated too.",
            "实时模式只显示 broker 知道的事实：重复和丢失的记录只在模拟中统计，因为那里的应用程序也是模拟的。",
        ),
        "admin" => ("Admin (--http-admin)", "管理（--http-admin）"),
        "topic" => ("Topic", "主题"),
        "reset-earliest" => ("Reset group to earliest", "组 offset 重置到最早"),
        "reset-latest" => ("Reset group to latest", "组 offset 重置到最新"),
        "delete-topic" => ("Delete topic", "删除主题"),
        "admin-hint" => (
            "A reset moves the shown group's committed offsets on every partition of the topic; the group must have no members (stop its consumers first).",
            "重置会移动所显示的消费者组在该主题每个分区上的已提交 offset；该组必须没有成员（先停止它的消费者）。",
        ),
        _ => ("?", "?"),
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
    fn every_label_exists_in_both_languages() {
        for key in [
            "play",
            "pause",
            "step",
            "to-end",
            "duplicates",
            "lost",
            "generation",
        ] {
            assert_ne!(t(Lang::En, key), "?");
            assert_ne!(t(Lang::Zh, key), "?");
            assert_ne!(t(Lang::En, key), t(Lang::Zh, key));
        }
    }
}
