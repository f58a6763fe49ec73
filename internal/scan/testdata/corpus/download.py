import os

from huggingface_hub import hf_hub_download, login, snapshot_download

# Set HF_TOKEN=hf_YOUR_TOKEN_HERE in your environment first.
login(token=os.environ["HF_TOKEN"])
path = hf_hub_download(repo_id="acme/model", filename="config.json")
snapshot_download("acme/model", token="hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
hf_api_token_getter_from_environment_vars = None
