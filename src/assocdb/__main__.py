from assocdb.cli import main

main()
