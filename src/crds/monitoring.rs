//! monitoring.coreos.com/v1 ServiceMonitor and PrometheusRule: the fields magnetiq-gen sets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

/// monitoring.coreos.com/v1 ServiceMonitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceMonitor {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `ServiceMonitor`.
    pub kind: String,
    /// Name, namespace, the labels Prometheus selects by.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: ServiceMonitorSpec,
}
custom_resource!(
    ServiceMonitor,
    "monitoring.coreos.com",
    "v1",
    "ServiceMonitor",
    "servicemonitors"
);

/// `spec` of a ServiceMonitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceMonitorSpec {
    /// Services to scrape.
    pub selector: LabelSelector,
    /// Ports and paths.
    pub endpoints: Vec<Endpoint>,
}

/// One scrape endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoint {
    /// Service port name.
    pub port: String,
    /// HTTP path.
    pub path: String,
    /// Interval.
    pub interval: String,
}

/// monitoring.coreos.com/v1 PrometheusRule: alerting rules the Prometheus Operator loads into
/// the Prometheus instances whose `ruleSelector` matches its labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrometheusRule {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `PrometheusRule`.
    pub kind: String,
    /// Name, namespace, the labels Prometheus selects rules by.
    pub metadata: ObjectMeta,
    /// The spec.
    pub spec: PrometheusRuleSpec,
}
custom_resource!(
    PrometheusRule,
    "monitoring.coreos.com",
    "v1",
    "PrometheusRule",
    "prometheusrules"
);

/// `spec` of a PrometheusRule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrometheusRuleSpec {
    /// Rule groups; the rules of a group are evaluated together, in order.
    pub groups: Vec<RuleGroup>,
}

/// One rule group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleGroup {
    /// The group's name, unique within the PrometheusRule.
    pub name: String,
    /// The alerting rules.
    pub rules: Vec<AlertRule>,
}

/// One alerting rule (the CRD's `Rule` with `alert` set; recording rules are not rendered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRule {
    /// The alert's name.
    pub alert: String,
    /// The PromQL expression: every series it returns is a firing alert.
    pub expr: String,
    /// How long the expression must hold before the alert fires (`5m`); pending until then.
    /// Left out where the expression's own window says "for a while".
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// Labels added to the alert (`severity`, for routing).
    pub labels: BTreeMap<String, String>,
    /// `summary`, `description` and `runbook_url`.
    pub annotations: BTreeMap<String, String>,
}
