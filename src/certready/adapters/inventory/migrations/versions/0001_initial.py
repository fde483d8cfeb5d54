"""Initial schema: runs, certificates, endpoints, servers, observations, findings

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-02 07:40:13.853670
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("fingerprint_sha256", sa.String(length=64), nullable=False),
        sa.Column("thumbprint_sha1", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("serial_number", sa.String(length=100), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("key_bits", sa.Integer(), nullable=False),
        sa.Column("curve", sa.String(length=32), nullable=True),
        sa.Column("signature_hash", sa.String(length=16), nullable=True),
        sa.Column("dns_names", sa.Text(), nullable=False),
        sa.Column("is_ca", sa.Boolean(), nullable=False),
        sa.Column("self_signed", sa.Boolean(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_where", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint_sha256", name=op.f("pk_certificates")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_issuer"), ["issuer"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_last_seen"), ["last_seen"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificates_not_after_last_seen"),
            ["not_after", "last_seen"],
            unique=False,
        )

    op.create_table(
        "endpoints",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("sni", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoints")),
        sa.UniqueConstraint("host", "port", "sni", name=op.f("uq_endpoints_host_port_sni")),
    )
    op.create_table(
        "runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("profile", sa.String(length=200), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("host_name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=32), nullable=True),
        sa.Column("exit_status", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_runs_command_manifest_id"), ["command", "manifest", "id"], unique=False
        )

    op.create_table(
        "servers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("deployment", sa.String(length=255), nullable=False),
        sa.Column("environment", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_servers")),
        sa.UniqueConstraint(
            "deployment", "environment", "name", name=op.f("uq_servers_deployment_environment_name")
        ),
    )
    op.create_table(
        "observations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "endpoint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("server_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("leaf_sha256", sa.String(length=64), nullable=True),
        sa.Column("chain", sa.Text(), nullable=False),
        sa.Column("private_key", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["endpoints.id"], name=op.f("fk_observations_endpoint_id_endpoints")
        ),
        sa.ForeignKeyConstraint(
            ["leaf_sha256"],
            ["certificates.fingerprint_sha256"],
            name=op.f("fk_observations_leaf_sha256_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_observations_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["server_id"], ["servers.id"], name=op.f("fk_observations_server_id_servers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
    )
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_observations_endpoint_id_observed_at"),
            ["endpoint_id", "observed_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_observations_leaf_sha256_server_id"),
            ["leaf_sha256", "server_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_observations_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_observations_server_id_observed_at"),
            ["server_id", "observed_at"],
            unique=False,
        )

    op.create_table(
        "findings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "observation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name=op.f("fk_findings_observation_id_observations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_findings_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_findings_observation_id"), ["observation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_findings_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_run_id"))
        batch_op.drop_index(batch_op.f("ix_findings_observation_id"))

    op.drop_table("findings")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observations_server_id_observed_at"))
        batch_op.drop_index(batch_op.f("ix_observations_run_id"))
        batch_op.drop_index(batch_op.f("ix_observations_leaf_sha256_server_id"))
        batch_op.drop_index(batch_op.f("ix_observations_endpoint_id_observed_at"))

    op.drop_table("observations")
    op.drop_table("servers")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_command_manifest_id"))

    op.drop_table("runs")
    op.drop_table("endpoints")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_not_after_last_seen"))
        batch_op.drop_index(batch_op.f("ix_certificates_last_seen"))
        batch_op.drop_index(batch_op.f("ix_certificates_issuer"))

    op.drop_table("certificates")
