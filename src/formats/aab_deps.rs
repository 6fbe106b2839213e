//! An `.aab`'s `BUNDLE-METADATA/com.android.tools.build.libraries/dependencies.pb`: the
//! Maven coordinates of the libraries the app was built with (bundletool's
//! `AppDependencies` message; only the Maven library fields are read).

use crate::error::{Format, ParseError};

/// Where an `.aab` ships its dependency list.
pub const AAB_DEPENDENCIES: &str =
    "BUNDLE-METADATA/com.android.tools.build.libraries/dependencies.pb";

#[derive(Clone, PartialEq, prost::Message)]
struct AppDependencies {
    #[prost(message, repeated, tag = "1")]
    library: Vec<Library>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Library {
    #[prost(message, optional, tag = "1")]
    maven_library: Option<MavenLibrary>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct MavenLibrary {
    #[prost(string, tag = "1")]
    group_id: String,
    #[prost(string, tag = "2")]
    artifact_id: String,
    #[prost(string, tag = "5")]
    version: String,
}

/// One Maven library of the app.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct MavenDependency {
    /// `groupId`.
    pub group: String,
    /// `artifactId`.
    pub artifact: String,
    /// `version`.
    pub version: String,
}

/// Decode `dependencies.pb`: the Maven libraries, in file order (libraries without Maven
/// coordinates are skipped).
pub fn parse_dependencies(data: &[u8]) -> Result<Vec<MavenDependency>, ParseError> {
    let deps = <AppDependencies as prost::Message>::decode(data)
        .map_err(|e| ParseError::new(Format::Proto, 0, format!("dependencies.pb: {e}")))?;
    Ok(deps
        .library
        .into_iter()
        .filter_map(|l| l.maven_library)
        .map(|m| MavenDependency {
            group: m.group_id,
            artifact: m.artifact_id,
            version: m.version,
        })
        .collect())
}

/// Encode Maven libraries as a `dependencies.pb` (for fixtures and tests).
pub fn encode_dependencies(deps: &[MavenDependency]) -> Vec<u8> {
    let msg = AppDependencies {
        library: deps
            .iter()
            .map(|d| Library {
                maven_library: Some(MavenLibrary {
                    group_id: d.group.clone(),
                    artifact_id: d.artifact.clone(),
                    version: d.version.clone(),
                }),
            })
            .collect(),
    };
    prost::Message::encode_to_vec(&msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let d = vec![MavenDependency {
            group: "cn.jiguang.sdk".into(),
            artifact: "jcore".into(),
            version: "2.1.2".into(),
        }];
        assert_eq!(parse_dependencies(&encode_dependencies(&d)).unwrap(), d);
        assert!(parse_dependencies(&[0x0a, 0xff, 0xff, 0xff]).is_err());
    }
}
