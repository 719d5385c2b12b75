from rewardkit.cli import app

app()
