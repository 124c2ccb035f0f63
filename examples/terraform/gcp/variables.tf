# The environment's inputs. Tenantry passes them from the blueprint's `inputs:`
# (examples/blueprints/beta9-environment-gcp.render.yaml); the object ones arrive as
# objects, with the blueprint's defaults already filled in.

variable "name" {
  description = "The environment's name: the tenant's slug. Every resource name starts with it (shortened with a hash past 28 characters, which keeps every derived name within Google's limits)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]*(-[a-z0-9]+)*)?$", var.name)) && length(var.name) <= 63
    error_message = "name must be lowercase letters, digits and single hyphens, start with a letter and be at most 63 characters."
  }
}

variable "project_id" {
  description = "The Google Cloud project the environment is built in (the seed request's cloud.account_id)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6 to 30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "The region every regional resource is in, e.g. us-central1. Tenantry's provider block has it too; the modules here need it explicitly."
  type        = string
}

variable "cluster_profile" {
  description = "Size of the GKE cluster: small, medium or large (machine types and node counts per zone, locals.profiles in main.tf)."
  type        = string
  default     = "small"

  validation {
    condition     = contains(["small", "medium", "large"], var.cluster_profile)
    error_message = "cluster_profile must be small, medium or large."
  }
}

variable "use_existing_cluster" {
  description = "Whether to install into a cluster that already exists. This example always creates its own cluster and refuses true."
  type        = bool
  default     = false

  validation {
    condition     = !var.use_existing_cluster
    error_message = "This module creates its own GKE cluster; installing into an existing cluster (cluster.use_existing = true) needs another module."
  }
}

variable "postgres" {
  description = "The PostgreSQL database (Cloud SQL): size small, medium or large; multi_az makes the instance regional (a standby in another zone)."
  type = object({
    size     = optional(string, "small")
    multi_az = optional(bool, false)
  })
  default = {}

  validation {
    condition     = contains(["small", "medium", "large"], var.postgres.size)
    error_message = "postgres.size must be small, medium or large."
  }
}

variable "redis" {
  description = "The Redis cache (Memorystore): size small, medium or large; ha is the STANDARD_HA tier (a replica in another zone, automatic failover)."
  type = object({
    size = optional(string, "small")
    ha   = optional(bool, false)
  })
  default = {}

  validation {
    condition     = contains(["small", "medium", "large"], var.redis.size)
    error_message = "redis.size must be small, medium or large."
  }
}

variable "object_store" {
  description = "The Cloud Storage bucket: its name is <bucket_prefix>-<name>-<8 hex digits of a hash of project, region and name>, so that it is deterministic and unlikely to be taken."
  type = object({
    bucket_prefix = optional(string, "beta9")
  })
  default = {}

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,19}$", var.object_store.bucket_prefix))
    error_message = "object_store.bucket_prefix must be 1 to 20 lowercase letters, digits or hyphens, starting with a letter or digit."
  }
}

variable "domain" {
  description = "The domain Beta9 is served on (beta9_endpoint is https://<domain>). DNS is not managed here: point the domain at the load balancer the chart creates."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain))
    error_message = "domain must be a lowercase DNS name such as beta9.example.com."
  }
}

variable "gpu_enabled" {
  description = "Adds a GPU node pool (g2 machines with NVIDIA L4, which GKE taints nvidia.com/gpu=present:NoSchedule), autoscaling from 0, sized by cluster_profile."
  type        = bool
  default     = false
}

variable "network_ranges" {
  description = "Address ranges: the nodes' subnet, its secondary ranges for pods and services, and the /28 of the GKE control plane's private endpoint."
  type = object({
    nodes         = optional(string, "10.0.0.0/20")
    pods          = optional(string, "10.4.0.0/14")
    services      = optional(string, "10.8.0.0/20")
    control_plane = optional(string, "172.16.0.0/28")
  })
  default = {}
}

variable "api_allowed_cidrs" {
  description = "Addresses allowed to reach the cluster's public API endpoint (master authorized networks). Tenantry's host runs the bootstrap (helm) from outside the VPC, so it must be among them; narrow the default to Tenantry's egress addresses."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "keep_data_on_destroy" {
  description = "When true, destroying the environment refuses to delete a non-empty bucket and keeps Cloud SQL backups after the instance is deleted. When false (the default) a destroy removes the data with everything else."
  type        = bool
  default     = false
}

variable "workload_service_account" {
  description = "The Kubernetes service account (namespace and name) that gets read/write access to the bucket through GKE Workload Identity."
  type = object({
    namespace = optional(string, "beta9")
    name      = optional(string, "beta9")
  })
  default = {}
}
