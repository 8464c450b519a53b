-- GET one application by client id, chosen at random from IDS_FILE.
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
local headers = { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }
request = function()
  return wrk.format("GET", "/api/oauth-applications/" .. ids[math.random(#ids)], headers)
end
