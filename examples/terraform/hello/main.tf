# A stack that needs no cloud account: built-in terraform_data resources only. It shows
# what the terraform target does (plan, apply, outputs, secret outputs, destroy) on any
# machine with tofu or terraform, offline.

variable "name" {
  type        = string
  description = "The tenant's name (the blueprint passes its slug)."
}

variable "size" {
  type    = string
  default = "small"
}

resource "terraform_data" "network" {
  input = "${var.name}-network"
}

resource "terraform_data" "database" {
  input = {
    network = terraform_data.network.output
    size    = var.size
  }
}

output "endpoint" {
  value = "https://${var.name}.example.test"
}

output "size" {
  value = terraform_data.database.output.size
}

output "password" {
  value     = terraform_data.database.id
  sensitive = true
}
