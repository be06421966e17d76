//! Community projects and 公益创投: organisations, rounds, applications, review and award,
//! delivery, supervision, evaluation, figures, and what residents see.
pub mod access;
pub mod applications;
pub mod delivery;
pub mod figures;
pub mod organisations;
pub mod residents;
pub mod rounds;
pub mod view;
