# The environment's inputs. Tenantry passes them from the blueprint's `inputs:`
# (examples/blueprints/beta9-environment-aws.render.yaml); the object ones arrive as
# objects, with the blueprint's defaults already filled in.

variable "name" {
  description = "The environment's name: the tenant's slug. Every resource name starts with it (shortened with a hash past 28 characters, the most IAM name prefixes allow)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]*(-[a-z0-9]+)*)?$", var.name)) && length(var.name) <= 63
    error_message = "name must be lowercase letters, digits and single hyphens, start with a letter and be at most 63 characters."
  }
}

variable "account_id" {
  description = "The AWS account the environment must be built in. When set, a plan in any other account (a wrong role ARN) stops before anything is created."
  type        = string
  default     = null

  validation {
    condition     = var.account_id == null || can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "cluster_profile" {
  description = "Size of the EKS cluster: small, medium or large (node instance types and counts, locals.profiles in main.tf)."
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
    error_message = "This module creates its own EKS cluster; installing into an existing cluster (cluster.use_existing = true) needs another module."
  }
}

variable "postgres" {
  description = "The PostgreSQL database (RDS): size small, medium or large; multi_az adds a standby in another availability zone."
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
  description = "The Redis cache (ElastiCache): size small, medium or large; ha adds a replica in another availability zone with automatic failover."
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
  description = "The S3 bucket: its name is <bucket_prefix>-<name>-<8 hex digits of a hash of account, region and name>, so that it is deterministic and unlikely to be taken."
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
  description = "Adds a GPU node group (NVIDIA, tainted nvidia.com/gpu=true:NoSchedule) sized by cluster_profile."
  type        = bool
  default     = false
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version. Keep it in EKS standard support (check the EKS release calendar): a version in extended support bills the control plane at $0.60 an hour instead of $0.10."
  type        = string
  default     = "1.35"
}

variable "vpc_cidr" {
  description = "The VPC's address range (a /16 is split into public, private, database and cache subnets over three availability zones)."
  type        = string
  default     = "10.0.0.0/16"
}

variable "api_allowed_cidrs" {
  description = "Addresses allowed to reach the cluster's public API endpoint. Tenantry's host runs the bootstrap (helm) from outside the VPC, so it must be among them; narrow the default to Tenantry's egress addresses."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "keep_data_on_destroy" {
  description = "When true, destroying the environment keeps a final RDS snapshot and refuses to delete a non-empty bucket. When false (the default) a destroy removes the data with everything else."
  type        = bool
  default     = false
}

variable "kubeconfig_aws_profile" {
  description = "When set, the kubeconfig output runs `aws eks get-token --profile <this>` for every call instead of holding a token that expires 15 minutes after the plan that made it (the profile must exist on Tenantry's host, e.g. with role_arn, external_id and credential_source)."
  type        = string
  default     = null
}

variable "workload_service_account" {
  description = "The Kubernetes service account (namespace and name) that gets read/write access to the bucket through EKS Pod Identity."
  type = object({
    namespace = optional(string, "beta9")
    name      = optional(string, "beta9")
  })
  default = {}
}
