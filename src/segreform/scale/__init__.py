"""segreform.scale"""
