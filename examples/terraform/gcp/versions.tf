# Tenantry writes the provider blocks itself (project, region, impersonate_service_account
# with the customer's service account, default_labels naming the installation,
# organization and tenant), so this module only says which providers it needs. It
# configures none and labels nothing by hand.
#
# Both `google` and `google-beta` must be configured that way: the network module creates
# the VPC through google-beta, and the Cloud SQL module uses it too. A google-beta left
# unconfigured would act with Tenantry's own identity, in no project (README.md).
terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.22, < 8"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 7.22, < 8"
    }
  }
}
