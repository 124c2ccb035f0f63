# Tenantry writes the provider blocks itself (region, assume_role with the customer's role
# and an external id, default_tags naming the installation, organization and tenant), so
# this module only says which providers it needs. It configures none and tags nothing by
# hand.
#
# The module versions in main.tf are the last releases that work with the AWS provider 5.x
# (EKS 20.x, VPC 5.x, RDS 6.x, S3 bucket 4.x); moving to AWS provider 6.x means EKS 21,
# VPC 6, RDS 7 and S3 bucket 5, whose EKS inputs are renamed (README.md, "Upgrading").
terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.95, < 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6"
    }
  }
}
