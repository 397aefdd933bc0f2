"""Published specifications and numbers the evaluation tests compare against."""

# Abadie, Diamond & Hainmueller (2010), Table 1 and Table 2: predictors and synthetic California's weights.
ADH_PREDICTORS = (
    "retprice:1980-1988,lnincome:1980-1988,age15to24:1980-1988,beer:1984-1988,"
    "cigsale:1975,cigsale:1980,cigsale:1988"
)
ADH_PUBLISHED_WEIGHTS = {"Utah": 0.334, "Nevada": 0.234, "Montana": 0.199, "Colorado": 0.164, "Connecticut": 0.069}
