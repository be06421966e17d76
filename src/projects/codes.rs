//! The codes of community projects, each with its Chinese and English label.

crate::coded_enum! {
    /// 社区社会组织的类型.
    pub enum OrgKind {
        Service = ("service", "服务性", "Service"),
        PublicInterest = ("public_interest", "公益性", "Public interest"),
        MutualAid = ("mutual_aid", "互助性", "Mutual aid"),
    }
}

crate::coded_enum! {
    /// How far an organisation has grown (incubation stage).
    pub enum OrgStage {
        Budding = ("budding", "萌芽期", "Budding"),
        Developing = ("developing", "发展期", "Developing"),
        Mature = ("mature", "成熟期", "Mature"),
    }
}

crate::coded_enum! {
    /// A 公益创投 round's phases, in order (see `phase.rs` for what each allows).
    pub enum Phase {
        Apply = ("apply", "申报", "Applications"),
        Review = ("review", "评审", "Review"),
        Announce = ("announce", "立项公示", "Awards announced"),
        Implement = ("implement", "实施", "Implementation"),
        Midterm = ("midterm", "中期督导", "Mid-term supervision"),
        Evaluate = ("evaluate", "结项评估", "Final evaluation"),
        Published = ("published", "公示结果", "Results published"),
    }
}

crate::coded_enum! {
    /// An application's decision.
    pub enum ProjectStatus {
        Submitted = ("submitted", "已申报", "Submitted"),
        Approved = ("approved", "已立项", "Funded"),
        Rejected = ("rejected", "未立项", "Not funded"),
        Withdrawn = ("withdrawn", "已撤回", "Withdrawn"),
    }
}

crate::coded_enum! {
    /// What a budget line pays for.
    pub enum BudgetCategory {
        Personnel = ("personnel", "人员劳务", "Personnel"),
        Materials = ("materials", "物资材料", "Materials"),
        Venue = ("venue", "场地", "Venue"),
        Publicity = ("publicity", "宣传", "Publicity"),
        Services = ("services", "服务采购", "Services"),
        Other = ("other", "其他", "Other"),
    }
}

crate::coded_enum! {
    /// A spending record: over its line it waits for an approval.
    pub enum SpendingState {
        Recorded = ("recorded", "已记账", "Recorded"),
        Pending = ("pending", "超支待批", "Over budget, awaiting approval"),
        Approved = ("approved", "超支已批准", "Overspend approved"),
        Refused = ("refused", "超支未批准", "Overspend refused"),
    }
}

crate::coded_enum! {
    /// When in a project's life a supervision visit took place.
    pub enum VisitStage {
        Start = ("start", "启动期", "Start"),
        Midterm = ("midterm", "中期", "Mid-term"),
        Closing = ("closing", "结项期", "Closing"),
    }
}

crate::coded_enum! {
    /// The final grade of an evaluation.
    pub enum Grade {
        Excellent = ("excellent", "优秀", "Excellent"),
        Good = ("good", "良好", "Good"),
        Pass = ("pass", "合格", "Pass"),
        Fail = ("fail", "不合格", "Fail"),
    }
}

crate::coded_enum! {
    /// How a resident signs up for a project.
    pub enum SignupKind {
        Participant = ("participant", "参加活动", "Take part"),
        Volunteer = ("volunteer", "当志愿者", "Volunteer"),
    }
}
