//! Topics in the service: the grouping step the queue runs.
pub mod grouping_step;
