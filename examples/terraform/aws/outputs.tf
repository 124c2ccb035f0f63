# What Tenantry reads after an apply. The blueprint's `outputs:` chooses which of them
# become the tenant's outputs (secret ones sealed) and the bootstrap hook's environment.

output "cluster_name" {
  description = "The EKS cluster's name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "The Kubernetes API server's URL."
  value       = module.eks.cluster_endpoint
}

output "kubeconfig" {
  description = "A kubeconfig for the cluster, authenticating as the role Tenantry assumed (a 15-minute token, or `aws eks get-token` with kubeconfig_aws_profile)."
  value       = local.kubeconfig
  sensitive   = true
}

output "region" {
  description = "The AWS region the environment is in."
  value       = data.aws_region.current.name
}

output "rds_endpoint" {
  description = "PostgreSQL's host:port."
  value       = module.rds.db_instance_endpoint
}

output "database_name" {
  description = "The PostgreSQL database."
  value       = local.database_name
}

output "database_username" {
  description = "The PostgreSQL user."
  value       = local.database_username
}

output "database_password" {
  description = "The PostgreSQL user's password."
  value       = random_password.postgres.result
  sensitive   = true
}

output "redis_endpoint" {
  description = "Redis's host:port (the primary endpoint; TLS is required)."
  value       = "${module.elasticache.replication_group_primary_endpoint_address}:${module.elasticache.replication_group_port}"
}

output "redis_auth_token" {
  description = "Redis's AUTH token."
  value       = random_password.redis.result
  sensitive   = true
}

output "bucket_name" {
  description = "The S3 bucket."
  value       = module.s3_bucket.s3_bucket_id
}

output "bucket_access_role_arn" {
  description = "The role Beta9's service account gets through EKS Pod Identity for the bucket."
  value       = aws_iam_role.bucket_access.arn
}

output "beta9_endpoint" {
  description = "Where Beta9 will be served, once the domain points at the chart's load balancer."
  value       = "https://${var.domain}"
}
