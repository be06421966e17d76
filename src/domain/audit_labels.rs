//! What each audit action is called on screens and in exports: the action codes the store
//! writes, with their Chinese and English labels (the audit log keeps the code; people read the
//! label). An action without an entry is shown as 其他操作 / Other action, never as its code.

/// `(code, Chinese, English)` of every action the store writes.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("bootstrap", "初始化系统", "Set up"),
    ("account.create", "创建账号", "Account created"),
    ("account.disable", "停用账号", "Account disabled"),
    ("account.enable", "启用账号", "Account enabled"),
    ("account.reset_password", "重置密码", "Password reset"),
    ("account.assign_community", "分配社区", "Community assigned"),
    (
        "account.unassign_community",
        "移出社区",
        "Community removed",
    ),
    (
        "account.join_community",
        "扫码加入社区",
        "Joined a community by its QR code",
    ),
    ("account.profile", "修改个人资料", "Profile changed"),
    ("account.phone", "更换手机号", "Phone number changed"),
    (
        "account.erase",
        "注销账号并删除个人信息",
        "Account and personal data erased",
    ),
    (
        "person.erase",
        "删除纸质表单居民的个人信息",
        "Paper-form resident's data erased",
    ),
    ("street.create", "添加街道", "Street added"),
    ("community.create", "添加社区", "Community added"),
    (
        "community.premoderate",
        "变更先审后发",
        "Pre-moderation changed",
    ),
    (
        "community.join_code_rotate",
        "更换社区二维码",
        "Community QR code replaced",
    ),
    ("building.create", "添加楼栋", "Building added"),
    (
        "moderation_words.update",
        "修改审核词表",
        "Moderation words changed",
    ),
    ("suggestion.create", "提交建议", "Suggestion submitted"),
    ("suggestion.approve", "审核通过", "Approved"),
    ("suggestion.reject", "审核不通过", "Not approved"),
    ("suggestion.withdraw", "撤回建议", "Suggestion withdrawn"),
    ("suggestion.retry", "重新处理", "Processing retried"),
    ("suggestion.move", "移动建议", "Suggestion moved"),
    ("suggestion.pin", "固定建议", "Suggestion pinned"),
    ("suggestion.unpin", "取消固定", "Suggestion unpinned"),
    ("suggestion.photo_publish", "公开照片", "Photo published"),
    (
        "suggestion.photo_unpublish",
        "取消公开照片",
        "Photo unpublished",
    ),
    ("topic.open", "自动归类：新建议题", "Grouping: new topic"),
    (
        "topic.join",
        "自动归类：归入议题",
        "Grouping: joined the topic",
    ),
    ("topic.edit", "修改议题", "Topic edited"),
    ("topic.status", "变更状态", "Status changed"),
    ("topic.merge", "合并到其他议题", "Merged into another topic"),
    ("topic.merge_in", "并入其他议题", "Another topic merged in"),
    ("topic.unmerge", "撤销合并", "Merge undone"),
    ("topic.split", "拆分议题", "Topic split"),
    ("topic.reply", "公开答复", "Public reply"),
    ("meeting.create", "创建议事会", "Meeting created"),
    ("meeting.update", "修改议事会", "Meeting changed"),
    ("meeting.agenda", "调整议程", "Agenda changed"),
    ("meeting.agenda_add", "列入议程", "Put on an agenda"),
    ("meeting.decision", "记录决议", "Decision recorded"),
    ("meeting.action_add", "添加落实事项", "Action item added"),
    ("meeting.action_done", "落实事项完成", "Action item done"),
    ("paper_batch.create", "新建纸质批次", "Paper batch created"),
    ("paper_batch.close", "关闭纸质批次", "Paper batch closed"),
    (
        "paper_entry.correct",
        "更正纸质表单",
        "Paper form corrected",
    ),
    ("callback.done", "完成电话回访", "Called back"),
];

/// The labels of an action code.
pub fn action_label(code: &str) -> (&'static str, &'static str) {
    ACTIONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| (*zh, *en))
        .unwrap_or(("其他操作", "Other action"))
}

/// Who acted, when the actor is not a named staff member.
pub fn actor_kind_label(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "algorithm" => ("自动归类", "Automatic grouping"),
        "system" => ("系统", "System"),
        "cli" => ("命令行", "Command line"),
        "resident" => ("居民", "Resident"),
        _ => ("工作人员", "Staff"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_the_store_writes_has_a_chinese_and_an_english_label() {
        // The store's sources, wherever its files are (every `.rs` under src/store).
        fn read_all(dir: &std::path::Path, out: &mut String) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    read_all(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let mut store = String::new();
        read_all(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store"),
            &mut store,
        );
        assert!(store.contains("audit_log"), "the store's sources were read");
        let mut seen = std::collections::HashSet::new();
        for (code, zh, en) in ACTIONS {
            assert!(seen.insert(*code), "{code} twice");
            assert!(!zh.is_ascii() && !zh.contains('.'), "{code}: {zh}");
            assert!(!en.is_empty() && !en.contains('.'), "{code}: {en}");
        }
        // Every `"area.verb"` literal in the store that is an audit action has a label.
        for piece in store.split('"').skip(1).step_by(2) {
            let looks_like_action = piece.contains('.')
                && piece
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                && [
                    "account.",
                    "street.",
                    "community.",
                    "building.",
                    "moderation_words.",
                    "suggestion.",
                    "topic.",
                    "meeting.",
                    "paper_batch.",
                    "paper_entry.",
                    "callback.",
                ]
                .iter()
                .any(|p| piece.starts_with(p));
            // Live-event and outbox kinds share the shape but never reach the audit log.
            let event = [
                "topic.updated",
                "topic.created",
                "suggestion.created",
                "suggestion.accepted",
                "suggestion.withdrawn",
            ]
            .contains(&piece);
            if looks_like_action && !event {
                assert_ne!(action_label(piece).0, "其他操作", "no label for {piece}");
            }
        }
        assert_eq!(action_label("topic.merge_in").0, "并入其他议题");
        assert_eq!(action_label("no.such_thing"), ("其他操作", "Other action"));
    }
}
