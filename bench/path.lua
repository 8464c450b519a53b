-- GET the fixed path REQ_PATH with the token.
local headers = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }
local path = os.getenv("REQ_PATH")
request = function()
  return wrk.format("GET", path, headers)
end
