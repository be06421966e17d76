//! Closed sets of codes (statuses, states, kinds): one Rust enum each, with the stable code the
//! API and the database use, and the Chinese and English labels people read. The server is the
//! one source of these labels; clients show what it sends.

/// A code the store or a client sent that is not one of the set's codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {set} `{code}`")]
pub struct UnknownCode {
    pub set: &'static str,
    pub code: String,
}

/// A code with its labels, as the label catalogue (`GET /api/v1/labels`) lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Labelled {
    pub code: &'static str,
    /// Chinese (shown first).
    pub label: &'static str,
    pub label_en: &'static str,
}

/// Define a coded enum: `Variant = ("code", "中文", "English")`. The enum gets `ALL`, `as_str`,
/// `parse`, `label`, `label_en`, `Display`, `FromStr`, serde and OpenAPI as its code, and the
/// database mapping as TEXT on every sqlx backend.
#[macro_export]
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal)),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order people read them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code (API and database).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The Chinese label.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $zh),+
                }
            }

            pub fn label_en(self) -> &'static str {
                match self {
                    $($name::$variant => $en),+
                }
            }

            /// Every value with its labels, for the label catalogue.
            pub fn catalogue() -> Vec<$crate::domain::code::Labelled> {
                Self::ALL
                    .iter()
                    .map(|v| $crate::domain::code::Labelled {
                        code: v.as_str(),
                        label: v.label(),
                        label_en: v.label_en(),
                    })
                    .collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::code::UnknownCode;
            fn from_str(code: &str) -> Result<Self, Self::Err> {
                Self::parse(code).ok_or_else(|| $crate::domain::code::UnknownCode {
                    set: stringify!($name),
                    code: code.to_string(),
                })
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(code.parse::<$name>()?)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut DB::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }
    };
}
