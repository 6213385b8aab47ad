from isp_tui.cli import main

raise SystemExit(main())
