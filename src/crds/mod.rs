//! Typed custom resources: the objects k8s-openapi does not cover. Plain serde structs with
//! `deny_unknown_fields`, so that reading a rendered file back fails on a field we do not
//! know. Whether the field names are the upstream ones is checked in CI against the upstream
//! CRD schemas (see `.ci/`). A leaf module: builders and the manifest use it, it uses
//! neither.

/// Implements k8s-openapi's `Resource` and `Metadata` for a custom resource struct.
macro_rules! custom_resource {
    ($ty:ident, $group:literal, $version:literal, $kind:literal, $plural:literal) => {
        impl k8s_openapi::Resource for $ty {
            const API_VERSION: &'static str = concat!($group, "/", $version);
            const GROUP: &'static str = $group;
            const KIND: &'static str = $kind;
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = k8s_openapi::NamespaceResourceScope;
        }

        impl k8s_openapi::Metadata for $ty {
            type Ty = ObjectMeta;
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

pub mod argocd;
pub mod cnpg;
pub mod gateway;
pub mod longhorn;
pub mod monitoring;
pub mod secrets;
pub mod traefik;
