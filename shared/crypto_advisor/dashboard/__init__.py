"""The dashboard's read side: what the overview, series and alert pages show, read from the stores."""
