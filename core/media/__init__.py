"""Media: probe (demux only), policy, one-pass frame sampling, key frames, rendering."""
