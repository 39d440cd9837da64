"""Data contracts: one module per contract, imported by everything else."""
