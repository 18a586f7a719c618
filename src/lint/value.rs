//! Reading plain JSON values: never panics, treats a wrong type as "not set"; the linted
//! object with its identity pre-read; containers and label selectors.

use serde_json::{Map, Value};

pub(super) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(*key))
}

pub(super) fn get_str<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

pub(super) fn get_arr<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn get_map<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Map<String, Value>> {
    get(v, path).and_then(Value::as_object)
}

pub(super) fn get_bool(v: &Value, path: &[&str]) -> Option<bool> {
    get(v, path).and_then(Value::as_bool)
}

/// An integer written as a number or as a quoted number.
pub(super) fn as_int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

pub(super) fn same_ns(a: &str, b: &str) -> bool {
    a == b || a.is_empty() || b.is_empty()
}

pub(super) const CLUSTER_SCOPED: &[&str] = &[
    "StorageClass",
    "Namespace",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "IngressClass",
    "PriorityClass",
    "CustomResourceDefinition",
    "CSIDriver",
    "VolumeSnapshotClass",
    "ClusterIssuer",
];

pub(super) const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
];

/// One linted object with its identity pre-read.
pub(super) struct Obj<'a> {
    pub(super) source: &'a str,
    pub(super) v: &'a Value,
    pub(super) kind: &'a str,
    pub(super) ns: &'a str,
    pub(super) name: &'a str,
}

impl Obj<'_> {
    pub(super) fn id(&self) -> String {
        if self.ns.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.ns, self.name)
        }
    }

    pub(super) fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }

    /// Pod template labels and pod spec of a workload.
    pub(super) fn pod(&self) -> Option<(Option<&Map<String, Value>>, &Value)> {
        let template = match self.kind {
            "Pod" => Some(self.v),
            "CronJob" => get(self.v, &["spec", "jobTemplate", "spec", "template"]),
            k if WORKLOAD_KINDS.contains(&k) => get(self.v, &["spec", "template"]),
            _ => None,
        }?;
        let spec = template.get("spec")?;
        Some((get_map(template, &["metadata", "labels"]), spec))
    }

    pub(super) fn annotation(&self, key: &str) -> Option<&str> {
        get_map(self.v, &["metadata", "annotations"])
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    }
}

pub(super) fn containers(spec: &Value, with_init: bool) -> impl Iterator<Item = &Value> {
    let init: &[Value] = if with_init {
        get_arr(spec, &["initContainers"])
    } else {
        &[]
    };
    get_arr(spec, &["containers"])
        .iter()
        .chain(init.iter())
        .filter(|c| c.is_object())
}

pub(super) fn cname(c: &Value) -> &str {
    get_str(c, &["name"]).unwrap_or("?")
}

/// Does a plain `key: value` selector (Service) select these labels?
pub(super) fn map_selects(sel: &Map<String, Value>, labels: Option<&Map<String, Value>>) -> bool {
    sel.iter().all(|(k, v)| {
        labels
            .and_then(|l| l.get(k))
            .is_some_and(|lv| lv.as_str().is_some() && lv.as_str() == v.as_str())
    })
}

/// Does a metav1.LabelSelector (matchLabels + matchExpressions) select these labels?
pub(super) fn label_selector_matches(sel: &Value, labels: Option<&Map<String, Value>>) -> bool {
    if let Some(ml) = get_map(sel, &["matchLabels"])
        && !map_selects(ml, labels)
    {
        return false;
    }
    get_arr(sel, &["matchExpressions"]).iter().all(|e| {
        let key = get_str(e, &["key"]).unwrap_or("");
        let have = labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        let values: Vec<&str> = get_arr(e, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        match get_str(e, &["operator"]).unwrap_or("") {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => !have.is_some_and(|h| values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        }
    })
}

pub(super) fn comma_list_has(value: Option<&str>, wanted: &str) -> bool {
    value.is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case(wanted)))
}
