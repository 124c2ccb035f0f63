# One Beta9 customer environment on Google Cloud: a VPC with Cloud NAT, a regional GKE
# cluster with private nodes (general nodes, and GPU nodes when asked), PostgreSQL on
# Cloud SQL and Redis on Memorystore over private services access, and a Cloud Storage
# bucket that Beta9's pods reach through Workload Identity.
#
# A starting point to review, not tested against a real Google Cloud project (README.md).
#
# The project must have these APIs enabled beforehand (docs/terraform-credentials.md):
# compute, container, sqladmin, redis, servicenetworking, iam, cloudresourcemanager.

data "google_project" "this" {
  project_id = var.project_id
}

# The access token of the identity the provider acts as (the customer's service account,
# impersonated): the kubeconfig output authenticates with it.
data "google_client_config" "current" {}

locals {
  # Deterministic: names longer than 28 characters are cut and end with 8 hex digits of a
  # hash of the full name (GKE cluster names are at most 40 characters).
  name = length(var.name) <= 28 ? var.name : "${replace(substr(var.name, 0, 19), "/-+$/", "")}-${substr(sha1(var.name), 0, 8)}"

  subnet_name = "${local.name}-nodes"

  # Node pools per cluster profile. Counts are per zone of the regional cluster (three
  # zones), and GKE's own autoscaler moves between min and max.
  profiles = {
    small = {
      general = { machine_type = "e2-standard-4", min = 1, max = 2 }
      gpu     = { machine_type = "g2-standard-8", min = 0, max = 1 }
    }
    medium = {
      general = { machine_type = "e2-standard-8", min = 1, max = 3 }
      gpu     = { machine_type = "g2-standard-8", min = 0, max = 2 }
    }
    large = {
      general = { machine_type = "n2-standard-8", min = 2, max = 5 }
      gpu     = { machine_type = "g2-standard-16", min = 0, max = 4 }
    }
  }
  profile = local.profiles[var.cluster_profile]

  postgres_sizes = {
    small  = { tier = "db-custom-1-3840", disk_size = 20 }
    medium = { tier = "db-custom-2-7680", disk_size = 100 }
    large  = { tier = "db-custom-4-15360", disk_size = 250 }
  }
  postgres = local.postgres_sizes[var.postgres.size]

  database_name     = "beta9"
  database_username = "beta9"

  redis_memory_gb = {
    small  = 2
    medium = 6
    large  = 16
  }

  # Deterministic and unlikely to be taken by anyone else: bucket names are global.
  bucket_name = "${var.object_store.bucket_prefix}-${local.name}-${substr(sha1("${var.project_id}/${var.region}/${var.name}"), 0, 8)}"

  general_pool = {
    name               = "general"
    machine_type       = local.profile.general.machine_type
    min_count          = local.profile.general.min
    max_count          = local.profile.general.max
    initial_node_count = local.profile.general.min
    disk_size_gb       = 100
    disk_type          = "pd-balanced"
    image_type         = "COS_CONTAINERD"
    auto_repair        = true
    auto_upgrade       = true
  }
  gpu_pool = {
    name               = "gpu"
    machine_type       = local.profile.gpu.machine_type
    min_count          = local.profile.gpu.min
    max_count          = local.profile.gpu.max
    initial_node_count = 0
    disk_size_gb       = 200
    disk_type          = "pd-balanced"
    image_type         = "COS_CONTAINERD"
    accelerator_type   = "nvidia-l4"
    accelerator_count  = 1
    gpu_driver_version = "LATEST"
    auto_repair        = true
    auto_upgrade       = true
  }
}

################################################################################
# Network
################################################################################

module "network" {
  source  = "terraform-google-modules/network/google"
  version = "18.1.0"

  project_id   = var.project_id
  network_name = local.name
  routing_mode = "REGIONAL"

  subnets = [{
    subnet_name           = local.subnet_name
    subnet_ip             = var.network_ranges.nodes
    subnet_region         = var.region
    subnet_private_access = "true"
  }]

  secondary_ranges = {
    (local.subnet_name) = [
      { range_name = "pods", ip_cidr_range = var.network_ranges.pods },
      { range_name = "services", ip_cidr_range = var.network_ranges.services },
    ]
  }
}

# Private nodes reach the internet (image registries) through Cloud NAT.
resource "google_compute_router" "nat" {
  project = var.project_id
  name    = "${local.name}-nat"
  region  = var.region
  network = module.network.network_self_link
}

resource "google_compute_router_nat" "nat" {
  project                            = var.project_id
  name                               = "${local.name}-nat"
  router                             = google_compute_router.nat.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"
}

# Private services access: one peered range that Cloud SQL and Memorystore take their
# private addresses from.
module "private_service_access" {
  source  = "terraform-google-modules/sql-db/google//modules/private_service_access"
  version = "28.1.1"

  project_id  = var.project_id
  vpc_network = module.network.network_name
}

################################################################################
# Kubernetes
################################################################################

module "gke" {
  source  = "terraform-google-modules/kubernetes-engine/google//modules/private-cluster"
  version = "44.2.0"

  project_id = var.project_id
  name       = local.name
  region     = var.region
  regional   = true

  # Read from the module's outputs (not local.subnet_name) so that the cluster waits
  # for the subnet and its secondary ranges.
  network           = module.network.network_name
  subnetwork        = module.network.subnets_names[0]
  ip_range_pods     = "pods"
  ip_range_services = "services"

  # Private nodes, public control plane endpoint: Tenantry's host runs helm from outside
  # the VPC, limited to api_allowed_cidrs.
  enable_private_nodes    = true
  enable_private_endpoint = false
  master_ipv4_cidr_block  = var.network_ranges.control_plane
  master_authorized_networks = [
    for cidr in var.api_allowed_cidrs : { cidr_block = cidr, display_name = "tenantry" }
  ]

  release_channel          = "REGULAR"
  remove_default_node_pool = true
  # Tenantry destroys environments; GKE's deletion protection would refuse.
  deletion_protection = false

  node_pools = concat([local.general_pool], var.gpu_enabled ? [local.gpu_pool] : [])

  node_pools_labels = {
    all = {}
    gpu = { "beta9.dev/gpu" = "true" }
  }

  depends_on = [google_compute_router_nat.nat]
}

################################################################################
# PostgreSQL
################################################################################

module "postgres" {
  source  = "terraform-google-modules/sql-db/google//modules/postgresql"
  version = "28.1.1"

  project_id = var.project_id
  region     = var.region
  # A deleted Cloud SQL instance's name cannot be reused for about a week: a suffix
  # (kept in state) lets an environment be destroyed and created again under one name.
  name                 = local.name
  random_instance_name = true

  database_version  = "POSTGRES_16"
  edition           = "ENTERPRISE"
  tier              = local.postgres.tier
  availability_type = var.postgres.multi_az ? "REGIONAL" : "ZONAL"
  disk_size         = local.postgres.disk_size
  disk_autoresize   = true

  db_name   = local.database_name
  user_name = local.database_username
  # user_password left empty: the module generates one (output generated_user_password).

  ip_configuration = {
    ipv4_enabled    = false
    private_network = module.network.network_self_link
    ssl_mode        = "ENCRYPTED_ONLY"
  }

  deletion_protection         = false
  deletion_protection_enabled = false
  retain_backups_on_delete    = var.keep_data_on_destroy

  module_depends_on = [module.private_service_access.peering_completed]
}

################################################################################
# Redis
################################################################################

module "redis" {
  source  = "terraform-google-modules/memorystore/google"
  version = "16.0.1"

  project_id = var.project_id
  region     = var.region
  name       = local.name

  # The APIs are enabled by the customer beforehand; enabling them here would need more
  # permissions than provisioning does.
  enable_apis = false

  tier           = var.redis.ha ? "STANDARD_HA" : "BASIC"
  memory_size_gb = local.redis_memory_gb[var.redis.size]
  redis_version  = "REDIS_7_2"

  connect_mode       = "PRIVATE_SERVICE_ACCESS"
  authorized_network = module.network.network_id
  reserved_ip_range  = module.private_service_access.google_compute_global_address_name

  auth_enabled            = true
  transit_encryption_mode = "SERVER_AUTHENTICATION"

  redis_configs = {
    # Beta9's gateway listens to keyspace events (its chart's own Redis sets the same).
    "notify-keyspace-events" = "AKE"
  }

  depends_on = [module.private_service_access]
}

################################################################################
# Object store
################################################################################

module "bucket" {
  source  = "terraform-google-modules/cloud-storage/google//modules/simple_bucket"
  version = "12.3.0"

  project_id = var.project_id
  name       = local.bucket_name
  location   = var.region

  force_destroy            = !var.keep_data_on_destroy
  versioning               = false
  public_access_prevention = "enforced"

  # Beta9's Kubernetes service account, through Workload Identity: no keys anywhere.
  iam_members = [{
    role   = "roles/storage.objectUser"
    member = "principal://iam.googleapis.com/projects/${data.google_project.this.number}/locations/global/workloadIdentityPools/${var.project_id}.svc.id.goog/subject/ns/${var.workload_service_account.namespace}/sa/${var.workload_service_account.name}"
  }]
}

################################################################################
# Kubeconfig for the bootstrap hook
################################################################################

locals {
  # The token is the impersonated service account's, valid about an hour from the plan or
  # apply that read it: enough for the bootstrap that follows an apply, not for a retry
  # much later (run a plan/apply again first).
  kubeconfig = yamlencode({
    apiVersion = "v1"
    kind       = "Config"
    clusters = [{
      name = module.gke.name
      cluster = {
        server                       = "https://${module.gke.endpoint}"
        "certificate-authority-data" = module.gke.ca_certificate
      }
    }]
    users = [{
      name = "tenantry"
      user = { token = data.google_client_config.current.access_token }
    }]
    contexts = [{
      name    = module.gke.name
      context = { cluster = module.gke.name, user = "tenantry" }
    }]
    "current-context" = module.gke.name
  })
}
