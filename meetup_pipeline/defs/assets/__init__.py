"""The asset graph: raw -> staging -> marts (-> dashboard)."""
