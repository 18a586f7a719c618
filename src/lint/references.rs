//! Objects that name other objects: a pod's ServiceAccount, claims, ConfigMaps and Secrets
//! (MG028, MG029), and RBAC roles and their bindings (MG012, MG028).

use serde_json::Value;

use super::value::{Obj, cname, containers, get, get_arr, get_bool, get_map, get_str, same_ns};
use super::workloads::service_account;
use super::{Linter, Out, Rule};

impl<'a> Linter<'a> {
    /// Whether an object of this kind and name is in the set (a Secret also when something
    /// in the set writes it), or known to be created out of band.
    pub(super) fn has(&self, kind: &str, ns: &str, name: &str) -> bool {
        if self
            .out_of_band
            .iter()
            .any(|o| o.kind == kind && o.name == name && same_ns(&o.namespace, ns))
        {
            return true;
        }
        if kind == "Secret" {
            return self.has_secret(ns, name);
        }
        self.find(kind, ns, name).is_some()
    }

    /// MG028 and MG029 for what a pod refers to.
    pub(super) fn check_pod_references(&self, o: &Obj<'a>, spec: &Value, out: &mut Out) {
        let mut missing: Vec<String> = Vec::new();
        let sa_name = service_account(spec);
        if sa_name != "default" && !self.has("ServiceAccount", o.ns, sa_name) {
            missing.push(format!("ServiceAccount {sa_name}"));
        }
        for vol in get_arr(spec, &["volumes"]) {
            if let Some(c) = get_str(vol, &["persistentVolumeClaim", "claimName"])
                && !self.has("PersistentVolumeClaim", o.ns, c)
            {
                missing.push(format!("PersistentVolumeClaim {c}"));
            }
            for (field, name, kind) in [
                ("configMap", "name", "ConfigMap"),
                ("secret", "secretName", "Secret"),
            ] {
                if let Some(c) = get_str(vol, &[field, name])
                    && get_bool(vol, &[field, "optional"]) != Some(true)
                    && !self.has(kind, o.ns, c)
                {
                    missing.push(format!("{kind} {c}"));
                }
            }
        }
        for c in containers(spec, true) {
            for ef in get_arr(c, &["envFrom"]) {
                for (field, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                    if let Some(n) = get_str(ef, &[field, "name"])
                        && get_bool(ef, &[field, "optional"]) != Some(true)
                        && !self.has(kind, o.ns, n)
                    {
                        missing.push(format!("{kind} {n}"));
                    }
                }
            }
            self.check_env_references(o, c, &mut missing, out);
        }
        let mut uniq: Vec<String> = Vec::new();
        for m in missing {
            if !uniq.contains(&m) {
                uniq.push(m);
            }
        }
        for m in uniq {
            out.push((
                Rule::MissingReference,
                format!("refers to {m}, which is not in the set"),
            ));
        }
    }

    /// A container's `configMapKeyRef`/`secretKeyRef` env entries: the object is missing
    /// (into `missing`), or the ConfigMap lacks the key (MG029).
    fn check_env_references(
        &self,
        o: &Obj<'a>,
        c: &Value,
        missing: &mut Vec<String>,
        out: &mut Out,
    ) {
        for e in get_arr(c, &["env"]) {
            for (field, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                let Some(r) = get(e, &["valueFrom", field]) else {
                    continue;
                };
                let Some(n) = get_str(r, &["name"]) else {
                    continue;
                };
                if get_bool(r, &["optional"]) == Some(true) {
                    continue;
                }
                if !self.has(kind, o.ns, n) {
                    missing.push(format!("{kind} {n}"));
                    continue;
                }
                if kind == "ConfigMap"
                    && let Some(cm) = self.find(kind, o.ns, n)
                {
                    let key = get_str(r, &["key"]).unwrap_or("");
                    let present = ["data", "binaryData"]
                        .iter()
                        .any(|d| get_map(cm.v, &[d]).is_some_and(|d| d.contains_key(key)));
                    if !present {
                        out.push((
                            Rule::MissingConfigMapKey,
                            format!(
                                "container {} reads key {key:?} from ConfigMap {n}, which does not have it",
                                cname(c)
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// MG012: a Role some RoleBinding in the set refers to.
    pub(super) fn check_role(&self, o: &Obj<'a>, out: &mut Out) {
        let bound = self.of_kind("RoleBinding").any(|b| {
            same_ns(b.ns, o.ns)
                && get_str(b.v, &["roleRef", "kind"]) == Some("Role")
                && get_str(b.v, &["roleRef", "name"]) == Some(o.name)
        });
        if !bound {
            out.push((
                Rule::UnboundRole,
                format!("no RoleBinding in the set refers to Role {}", o.name),
            ));
        }
    }

    /// MG028: a RoleBinding's Role is in the set.
    pub(super) fn check_role_binding(&self, o: &Obj<'a>, out: &mut Out) {
        if get_str(o.v, &["roleRef", "kind"]) == Some("Role")
            && let Some(r) = get_str(o.v, &["roleRef", "name"])
            && !self.has("Role", o.ns, r)
        {
            out.push((
                Rule::MissingReference,
                format!("roleRef names Role {r}, which is not in the set"),
            ));
        }
    }
}
