# The KPIs of each node below the one shown, on the board and in reports: revenue, leads, their cost, and ROI.
CHILD_KPIS = ["sales_revenue", "leads", "cpl", "roi"]
