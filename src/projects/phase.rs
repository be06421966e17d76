//! What each phase of a 公益创投 round allows. Phases only move forward, one at a time; the
//! store refuses a move whose precondition is unmet (no reviewers, undecided applications,
//! unevaluated projects).
use super::codes::Phase;

impl Phase {
    fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// The phase after this one.
    pub fn next(self) -> Option<Phase> {
        Self::ALL.get(self.index() + 1).copied()
    }

    /// Applications are entered, edited and withdrawn.
    pub fn accepts_applications(self) -> bool {
        self == Phase::Apply
    }

    /// Reviewers score; the round's admins award or reject.
    pub fn reviewing(self) -> bool {
        self == Phase::Review
    }

    /// The awards are public: residents see funded projects, and may sign up.
    pub fn announced(self) -> bool {
        self.index() >= Phase::Announce.index()
    }

    /// Milestones, activities and spending are recorded; supervisors visit.
    pub fn delivering(self) -> bool {
        matches!(self, Phase::Implement | Phase::Midterm | Phase::Evaluate)
    }

    /// Projects are evaluated.
    pub fn evaluating(self) -> bool {
        self == Phase::Evaluate
    }

    /// The results are public: residents rate them.
    pub fn finished(self) -> bool {
        self == Phase::Published
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_run_in_the_districts_order_and_stop_at_the_published_results() {
        let mut p = Phase::Apply;
        let mut seen = vec![p.label()];
        while let Some(n) = p.next() {
            seen.push(n.label());
            p = n;
        }
        assert_eq!(
            seen,
            [
                "申报",
                "评审",
                "立项公示",
                "实施",
                "中期督导",
                "结项评估",
                "公示结果"
            ]
        );
    }

    #[test]
    fn each_kind_of_work_has_its_phases() {
        let allowed = |f: fn(Phase) -> bool| -> Vec<&str> {
            Phase::ALL
                .iter()
                .filter(|p| f(**p))
                .map(|p| p.as_str())
                .collect()
        };
        assert_eq!(allowed(Phase::accepts_applications), ["apply"]);
        assert_eq!(allowed(Phase::reviewing), ["review"]);
        assert_eq!(
            allowed(Phase::delivering),
            ["implement", "midterm", "evaluate"]
        );
        assert_eq!(
            allowed(Phase::announced),
            ["announce", "implement", "midterm", "evaluate", "published"]
        );
        assert_eq!(allowed(Phase::evaluating), ["evaluate"]);
        assert_eq!(allowed(Phase::finished), ["published"]);
    }
}
