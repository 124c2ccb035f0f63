# One Beta9 customer environment on AWS: a VPC over three availability zones, an EKS
# cluster (general nodes, and GPU nodes when asked), PostgreSQL on RDS, Redis on
# ElastiCache and an S3 bucket that Beta9's pods reach through EKS Pod Identity.
#
# A starting point to review, not tested against a real AWS account (README.md).

data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  state = "available"

  # Zones that need opting in (Local Zones, Wavelength) cannot host EKS or RDS subnets.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

# Stops the plan when the role Tenantry assumed is not in the account the request named.
data "aws_caller_identity" "current" {
  lifecycle {
    postcondition {
      condition     = var.account_id == null || self.account_id == var.account_id
      error_message = "The credentials are for account ${self.account_id}, not ${coalesce(var.account_id, "-")}: check the role ARN."
    }
  }
}

locals {
  # IAM name prefixes are at most 38 characters and the EKS module adds "-cluster-" to the
  # cluster name, so names are kept to 28 characters: longer ones are cut and end with 8 hex
  # digits of a hash of the full name (deterministic, so a re-plan finds the same names).
  name = length(var.name) <= 28 ? var.name : "${replace(substr(var.name, 0, 19), "/-+$/", "")}-${substr(sha1(var.name), 0, 8)}"

  azs = slice(data.aws_availability_zones.available.names, 0, 3)

  # Node groups per cluster profile. min/max bound the group; EKS ignores a changed
  # desired size after creation (a cluster autoscaler owns it from then on).
  profiles = {
    small = {
      general = { instance_types = ["m6i.large"], min = 2, desired = 2, max = 3 }
      gpu     = { instance_types = ["g5.xlarge"], min = 1, desired = 1, max = 2 }
    }
    medium = {
      general = { instance_types = ["m6i.xlarge"], min = 3, desired = 3, max = 6 }
      gpu     = { instance_types = ["g5.2xlarge"], min = 1, desired = 1, max = 4 }
    }
    large = {
      general = { instance_types = ["m6i.2xlarge"], min = 3, desired = 4, max = 10 }
      gpu     = { instance_types = ["g5.4xlarge"], min = 2, desired = 2, max = 8 }
    }
  }
  profile = local.profiles[var.cluster_profile]

  postgres_sizes = {
    small  = { instance_class = "db.t4g.medium", allocated_storage = 20, max_allocated_storage = 100 }
    medium = { instance_class = "db.m6g.large", allocated_storage = 100, max_allocated_storage = 500 }
    large  = { instance_class = "db.m6g.xlarge", allocated_storage = 250, max_allocated_storage = 1000 }
  }
  postgres = local.postgres_sizes[var.postgres.size]

  database_name     = "beta9"
  database_username = "beta9"

  redis_node_types = {
    small  = "cache.t4g.small"
    medium = "cache.m6g.large"
    large  = "cache.m6g.xlarge"
  }

  # Deterministic (the same account, region and name give the same bucket) and unlikely
  # to be taken by anyone else: bucket names are global. At most 20 + 1 + 28 + 1 + 8 = 58
  # characters of the 63 allowed.
  bucket_name = "${var.object_store.bucket_prefix}-${local.name}-${substr(sha1("${data.aws_caller_identity.current.account_id}/${data.aws_region.current.name}/${var.name}"), 0, 8)}"

  general_node_group = {
    general = {
      ami_type       = "AL2023_x86_64_STANDARD"
      instance_types = local.profile.general.instance_types
      min_size       = local.profile.general.min
      desired_size   = local.profile.general.desired
      max_size       = local.profile.general.max
      disk_size      = 100
    }
  }
  gpu_node_group = {
    gpu = {
      ami_type       = "AL2023_x86_64_NVIDIA"
      instance_types = local.profile.gpu.instance_types
      min_size       = local.profile.gpu.min
      desired_size   = local.profile.gpu.desired
      max_size       = local.profile.gpu.max
      disk_size      = 200
      labels         = { "beta9.dev/gpu" = "true" }
      taints = {
        gpu = { key = "nvidia.com/gpu", value = "true", effect = "NO_SCHEDULE" }
      }
    }
  }
}

################################################################################
# Network
################################################################################

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.21.0"

  name = local.name
  cidr = var.vpc_cidr
  azs  = local.azs

  # /20s for nodes and pods (the VPC CNI gives every pod a VPC address), /24s for the rest.
  private_subnets     = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 4, i)]
  public_subnets      = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, 48 + i)]
  database_subnets    = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, 52 + i)]
  elasticache_subnets = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, 56 + i)]

  create_database_subnet_group    = true
  create_elasticache_subnet_group = true

  enable_nat_gateway = true
  # One NAT gateway (about $33 a month plus data) for a small environment; one per zone
  # otherwise, so that losing a zone does not cut the others off.
  single_nat_gateway     = var.cluster_profile == "small"
  one_nat_gateway_per_az = var.cluster_profile != "small"

  enable_dns_hostnames = true

  # The only tags set by hand: how Kubernetes finds the subnets for load balancers.
  public_subnet_tags  = { "kubernetes.io/role/elb" = "1" }
  private_subnet_tags = { "kubernetes.io/role/internal-elb" = "1" }
}

################################################################################
# Kubernetes
################################################################################

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "20.37.2"

  cluster_name    = local.name
  cluster_version = var.kubernetes_version

  vpc_id     = module.vpc.vpc_id
  subnet_ids = module.vpc.private_subnets

  # Tenantry's host runs helm against the API from outside the VPC.
  cluster_endpoint_public_access       = true
  cluster_endpoint_public_access_cidrs = var.api_allowed_cidrs

  # The identity that creates the cluster (the role Tenantry assumed) administers it
  # through an access entry: the kubeconfig output authenticates as that role.
  authentication_mode                      = "API"
  enable_cluster_creator_admin_permissions = true

  cluster_addons = {
    coredns                = {}
    kube-proxy             = {}
    vpc-cni                = { before_compute = true }
    eks-pod-identity-agent = { before_compute = true }
  }

  eks_managed_node_groups = merge(local.general_node_group, var.gpu_enabled ? local.gpu_node_group : {})
}

################################################################################
# PostgreSQL
################################################################################

# In state (sensitive), not in RDS-managed Secrets Manager: a managed master password is
# rotated every 7 days by default, and Beta9's configuration would go stale after the
# first rotation.
resource "random_password" "postgres" {
  length  = 32
  special = false
}

resource "aws_security_group" "postgres" {
  name_prefix = "${local.name}-postgres-"
  description = "PostgreSQL for ${var.name}: reachable from inside the VPC"
  vpc_id      = module.vpc.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  security_group_id = aws_security_group.postgres.id
  description       = "PostgreSQL from the VPC"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = module.vpc.vpc_cidr_block
}

module "rds" {
  source  = "terraform-aws-modules/rds/aws"
  version = "6.13.1"

  identifier = local.name

  engine               = "postgres"
  engine_version       = "16"
  family               = "postgres16"
  major_engine_version = "16"
  instance_class       = local.postgres.instance_class

  allocated_storage     = local.postgres.allocated_storage
  max_allocated_storage = local.postgres.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name  = local.database_name
  username = local.database_username
  port     = 5432

  manage_master_user_password = false
  password                    = random_password.postgres.result

  multi_az               = var.postgres.multi_az
  db_subnet_group_name   = module.vpc.database_subnet_group_name
  vpc_security_group_ids = [aws_security_group.postgres.id]

  backup_retention_period = 7
  # A size change from Tenantry takes effect now, not at the next maintenance window
  # (a change of instance class restarts the database; a standby shortens that).
  apply_immediately = true

  skip_final_snapshot = !var.keep_data_on_destroy
  deletion_protection = false
}

################################################################################
# Redis
################################################################################

resource "random_password" "redis" {
  length  = 32
  special = false
}

module "elasticache" {
  source  = "terraform-aws-modules/elasticache/aws"
  version = "1.10.3"

  # Replication group ids are at most 40 characters; local.name is at most 28.
  replication_group_id = local.name
  description          = "Redis for ${var.name}"

  engine         = "redis"
  engine_version = "7.1"
  node_type      = local.redis_node_types[var.redis.size]

  # ha: a replica in another zone with automatic failover.
  num_cache_clusters         = var.redis.ha ? 2 : 1
  multi_az_enabled           = var.redis.ha
  automatic_failover_enabled = var.redis.ha

  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  auth_token                 = random_password.redis.result
  apply_immediately          = true

  vpc_id = module.vpc.vpc_id
  security_group_rules = {
    ingress_vpc = {
      description = "Redis from the VPC"
      cidr_ipv4   = module.vpc.vpc_cidr_block
    }
  }

  create_subnet_group = false
  subnet_group_name   = module.vpc.elasticache_subnet_group_name

  create_parameter_group = true
  parameter_group_family = "redis7"
  parameters = [
    # Beta9's gateway listens to keyspace events (its chart's own Redis sets the same).
    { name = "notify-keyspace-events", value = "AKE" },
  ]
}

################################################################################
# Object store
################################################################################

module "s3_bucket" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "4.11.0"

  bucket        = local.bucket_name
  force_destroy = !var.keep_data_on_destroy

  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true

  attach_deny_insecure_transport_policy = true

  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = { sse_algorithm = "AES256" }
    }
  }
}

# Beta9's pods reach the bucket with a role given to their service account through EKS
# Pod Identity: no access keys anywhere.
data "aws_iam_policy_document" "pod_identity_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "bucket_access" {
  statement {
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [module.s3_bucket.s3_bucket_arn]
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${module.s3_bucket.s3_bucket_arn}/*"]
  }
}

resource "aws_iam_role" "bucket_access" {
  name_prefix        = "${local.name}-bucket-"
  description        = "Beta9 in ${var.name}: read and write its S3 bucket"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_trust.json
}

resource "aws_iam_role_policy" "bucket_access" {
  name   = "bucket-access"
  role   = aws_iam_role.bucket_access.id
  policy = data.aws_iam_policy_document.bucket_access.json
}

resource "aws_eks_pod_identity_association" "bucket_access" {
  cluster_name    = module.eks.cluster_name
  namespace       = var.workload_service_account.namespace
  service_account = var.workload_service_account.name
  role_arn        = aws_iam_role.bucket_access.arn
}

################################################################################
# Kubeconfig for the bootstrap hook
################################################################################

# A token for the role Tenantry assumed, valid 15 minutes from the plan or apply that
# read it: enough for the bootstrap that follows an apply, not for a retry an hour later
# (run a plan/apply again first, or set kubeconfig_aws_profile).
data "aws_eks_cluster_auth" "this" {
  name = module.eks.cluster_name
}

locals {
  kubeconfig_cluster = {
    apiVersion = "v1"
    kind       = "Config"
    clusters = [{
      name = module.eks.cluster_name
      cluster = {
        server                       = module.eks.cluster_endpoint
        "certificate-authority-data" = module.eks.cluster_certificate_authority_data
      }
    }]
    contexts = [{
      name    = module.eks.cluster_name
      context = { cluster = module.eks.cluster_name, user = "tenantry" }
    }]
    "current-context" = module.eks.cluster_name
  }

  # Two whole documents, chosen between: the two kinds of user do not share a type.
  kubeconfig = var.kubeconfig_aws_profile == null ? yamlencode(merge(local.kubeconfig_cluster, {
    users = [{ name = "tenantry", user = { token = data.aws_eks_cluster_auth.this.token } }]
    })) : yamlencode(merge(local.kubeconfig_cluster, {
    users = [{
      name = "tenantry"
      user = {
        exec = {
          apiVersion = "client.authentication.k8s.io/v1beta1"
          command    = "aws"
          args       = ["eks", "get-token", "--cluster-name", module.eks.cluster_name, "--region", data.aws_region.current.name, "--profile", coalesce(var.kubeconfig_aws_profile, "-"), "--output", "json"]
        }
      }
    }]
  }))
}
