from gardefou.cli import main

main()
