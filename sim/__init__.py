"""Nurture Lab: simulate and A/B-test lead-nurturing strategies."""
