"""Signals the `tasks` app sends so higher apps can react without being imported here.

`datapoint_submitted` is sent after commit, once every task of a data point has been
submitted (sender: the DataPoint class, `datapoint_ids`: the data points ready)."""

from django.dispatch import Signal

datapoint_submitted = Signal()
