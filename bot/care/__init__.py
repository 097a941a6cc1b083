"""Care work in the grid: 微心愿 (wishes volunteers fulfil), 一键求助 (a vulnerable resident's
one press for help), households on a visit plan, and the workers' monthly assessment (考核)."""
