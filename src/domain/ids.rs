//! Id newtypes so ids of different things cannot be swapped.
macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema, sqlx::Type)]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    DistrictId,
    StreetId,
    CommunityId,
    BuildingId,
    AccountId,
    TopicId,
    SuggestionId,
    PaperBatchId,
    MeetingId,
    PersonId,
    OrganisationId,
    RoundId,
    ProjectId
);
