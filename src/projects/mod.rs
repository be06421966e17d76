//! Community projects and 公益创投 (三社联动): what the hall decided becomes a funded project run
//! by a community social organisation, followed by the residents whose voices started it.
pub mod codes;
pub mod criteria;
pub mod figures;
pub mod phase;
pub mod progress;
pub mod xlsx;
