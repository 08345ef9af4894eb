from errorledger.cli import main

main()
