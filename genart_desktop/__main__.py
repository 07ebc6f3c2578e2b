from genart_desktop.app import main

raise SystemExit(main())
